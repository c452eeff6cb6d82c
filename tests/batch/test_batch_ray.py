"""mstg batch on a real Ray cluster started here (loopback only), against the local pool."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import make_clip, probe, run_mstg
from helpers import write_cores_plugin

pytest.importorskip("ray", reason="the extra mstg[ray] is not installed")
pytestmark = pytest.mark.slow

RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    """A free port from the kernel's ephemeral range (outside Ray's worker ports, 10002-19999)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A one-node Ray cluster on 127.0.0.1 (two CPUs), for the whole module; stopped after."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    start = subprocess.run([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                            "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats",
                            "--temp-dir", temp], capture_output=True, text=True, timeout=180, env=env)
    assert start.returncode == 0, start.stdout + start.stderr
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120, env=env)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ray") / "clips"
    (folder / "sub").mkdir(parents=True)
    make_clip(folder / "one.mp4", seconds=1)
    make_clip(folder / "two.mp4", seconds=2)
    make_clip(folder / "sub" / "three.mp4", seconds=1, size=(160, 120))
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    return folder


def _batch(clips: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    manifest = out / "batch.jsonl"
    result = run_mstg("batch", str(clips), "-t", "barcode", "-t", "edges", "-o", f"{out}/{{relpath}}/{{stem}}.nut",
                      "-ca", "pcm_s16le", "--events", f"{out}/{{relpath}}/{{stem}}.jsonl",
                      "--manifest", str(manifest), *extra, timeout=180)
    by_file = {os.path.relpath(r["input"], clips): r for r in map(json.loads, manifest.read_text().splitlines())}
    return result, by_file


def test_ray_gives_the_results_of_the_local_pool(cluster: str, clips: Path, tmp_path: Path) -> None:
    local, local_records = _batch(clips, tmp_path / "local", "-j", "2")
    ray, ray_records = _batch(clips, tmp_path / "ray", "--engine", "ray", "--address", cluster)
    assert local.returncode == ray.returncode == 9, ray.stderr.decode()
    assert "3 ok, 1 failed" in ray.stderr.decode() and "Traceback" not in ray.stderr.decode()
    assert set(ray_records) == set(local_records) == {"one.mp4", "two.mp4", "sub/three.mp4", "broken.mp4"}
    for name, record in ray_records.items():
        expected = local_records[name]
        assert (record["status"], record["frames"], record["events"], record["exit_status"]) == \
            (expected["status"], expected["frames"], expected["events"], expected["exit_status"])
    for name in ("one", "two", "sub/three"):
        theirs, ours = probe(tmp_path / "ray" / f"{name}.nut"), probe(tmp_path / "local" / f"{name}.nut")
        assert [t for t, _ in theirs["video"]] == [t for t, _ in ours["video"]]
        assert len(theirs["video"]) == ray_records[f"{name}.mp4"]["frames"] > 0
        assert all(np.array_equal(a.to_ndarray(), b.to_ndarray())
                   for (_, a), (_, b) in zip(theirs["video"], ours["video"]))
        assert (tmp_path / "ray" / f"{name}.jsonl").read_text() == (tmp_path / "local" / f"{name}.jsonl").read_text()
    assert not (tmp_path / "ray" / "broken.nut").exists()


def test_ray_address_from_the_environment_and_resume(cluster: str, clips: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first, records = _batch(clips, out, "--engine", "ray", "--address", cluster)
    assert first.returncode == 9
    env_run = run_mstg("batch", str(clips), "-t", "barcode", "-t", "edges", "-o", f"{out}/{{relpath}}/{{stem}}.nut",
                       "-ca", "pcm_s16le", "--events", f"{out}/{{relpath}}/{{stem}}.jsonl",
                       "--manifest", str(out / "batch.jsonl"), "--engine", "ray", "--resume",
                       env={"RAY_ADDRESS": cluster}, timeout=180)
    stderr = env_run.stderr.decode()
    assert env_run.returncode == 9 and "0 ok, 1 failed, 3 skipped" in stderr, stderr


def test_an_unreachable_cluster_is_one_error_line(clips: Path, tmp_path: Path) -> None:
    result = run_mstg("batch", str(clips), "-o", "null", "--engine", "ray", "--address", f"127.0.0.1:{_free_port()}",
                      "--manifest", str(tmp_path / "m.jsonl"), timeout=180)
    stderr = result.stderr.decode()
    assert result.returncode == 2 and stderr.startswith("error: ") and "Traceback" not in stderr, stderr


def test_a_ray_task_uses_the_one_cpu_it_asked_for(cluster: str, clips: Path, tmp_path: Path) -> None:
    """Each task asks Ray for one CPU, so transforms that use every core read in turn there."""
    cores_plugin = write_cores_plugin(tmp_path)
    out = tmp_path / "out"
    result = run_mstg("batch", str(clips / "one.mp4"), str(clips / "two.mp4"), "-t", cores_plugin,
                      "-o", f"{out}/{{stem}}.mkv", "--events", f"{out}/{{stem}}.jsonl",
                      "--engine", "ray", "--address", cluster, timeout=180)
    assert result.returncode == 0, result.stderr.decode()
    told = [json.loads(line)["threads"] for name in ("one", "two")
            for line in (out / f"{name}.jsonl").read_text().splitlines()]
    assert told == [1, 1]
