"""What a run did: :class:`Stats`, filled in by the pipeline as it runs.

>>> stats = Stats(position_us=2_000_000, wall_s=1.0)
>>> stats.speed
2.0
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Stats", "LATENCY_WINDOW"]

LATENCY_WINDOW = 10_000


@dataclass
class Stats:
    """What a run did: frames per kind, drops, latency, time."""

    frames_in: dict[str, int] = field(default_factory=lambda: {"video": 0, "audio": 0})
    frames_out: dict[str, int] = field(default_factory=lambda: {"video": 0, "audio": 0})
    dropped: int = 0
    decode_errors: int = 0
    transform_errors: int = 0
    events: int = 0
    position_us: int = 0
    duration_us: int | None = None
    wall_s: float = 0.0
    #: The latest capture-to-output latencies (a bounded window: memory stays flat in long runs).
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    live: bool = False
    stopped: bool = False
    #: Transforms that had nothing to work on, with the reason ("blur: no input has video").
    unused_transforms: list[str] = field(default_factory=list)
    #: Inputs none of whose tracks is used, each with why (another input's tracks come first).
    unused_inputs: list[str] = field(default_factory=list)

    @property
    def speed(self) -> float:
        """Media time processed per second of wall time (1.0 is real time)."""
        return self.position_us / 1e6 / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def fps(self) -> float:
        return self.frames_in["video"] / self.wall_s if self.wall_s > 0 else 0.0

    def latency_percentile(self, p: float) -> float | None:
        """Capture-to-output latency percentile in ms (live sources), or None."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
