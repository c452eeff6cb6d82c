"""Events as JSON Lines: the writer lives in :mod:`mstg.job.events` (kept here for imports)."""

from __future__ import annotations

from ..job.events import EventWriter

__all__ = ["EventWriter"]
