"""Memory stays flat over a long live run: bench/longrun.py, shortened and faster than real time
(the live demo source makes frames as fast as it can, the pipeline drops what it cannot take),
through the barcode scanner into an encoded file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 25
WARMUP = 8
MAX_GROWTH_MIB = 30


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_memory_stays_flat_over_a_long_live_run(tmp_path: Path) -> None:
    out = tmp_path / "long.mkv"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "longrun.py"), "--seconds", str(SECONDS),
                             "--fast", "--size", "640x360", "--every", "1", "--warmup", str(WARMUP),
                             "--output", str(out), "--json"], capture_output=True, timeout=150)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    print(f"\nlong run: {report['frames_out']['video']} video frames in {report['seconds']}s, "
          f"{report['dropped']} dropped; RSS {report['rss_start_mib']} MiB after warm-up, "
          f"{report['rss_end_mib']} MiB at the end (max {report['rss_max_mib']})")
    # a real load went through: hundreds of frames scanned, encoded, many more dropped
    assert report["frames_out"]["video"] >= 200 and report["events"] > 0 and report["dropped"] > 0
    assert report["latency_p50_ms"] is not None
    assert report["rss_max_mib"] - report["rss_start_mib"] < MAX_GROWTH_MIB
    assert report["growth_mib"] < MAX_GROWTH_MIB
    # the file holds what was written, every frame in order
    import av

    with av.open(str(out)) as container:
        stamps = [frame.pts for frame in container.decode(video=0)]
    assert len(stamps) == report["frames_out"]["video"] and stamps == sorted(stamps)
