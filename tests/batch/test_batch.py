"""mstg batch on the local process pool: real clips made here, outputs checked by decoding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import make_clip, probe, run_mstg
from helpers import write_cores_plugin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """clips/one.mp4 (1 s), clips/two.mp4 (2 s), clips/sub/three.mkv (1 s, other size), and
    clips/codes.mp4 (1 s of the demo scene: barcodes, so events)."""
    import mstg

    folder = tmp_path_factory.mktemp("batch") / "clips"
    (folder / "sub").mkdir(parents=True)
    make_clip(folder / "one.mp4", seconds=1)
    make_clip(folder / "two.mp4", seconds=2, freq=660)
    make_clip(folder / "sub" / "three.mkv", seconds=1, size=(160, 120))
    mstg.Pipeline([mstg.open_input("demo", duration=1)], [mstg.open_output(str(folder / "codes.mp4"))]).run()
    (folder / "notes.txt").write_text("not media: a folder gives only media files\n")
    return folder


def records(manifest: Path) -> list[dict]:
    return [json.loads(line) for line in manifest.read_text().splitlines()]


def decoded(path: Path) -> tuple[list, list, np.ndarray]:
    """(video timestamps, video pictures, audio samples) of a whole file."""
    media = probe(path)
    video = [(t, f.to_ndarray(format="bgr24")) for t, f in media["video"]]
    audio = np.concatenate([f.to_ndarray().reshape(-1) for _, f in media["audio"]]) if media["audio"] else np.zeros(0)
    return [t for t, _ in video], [p for _, p in video], audio


def no_staged_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


def test_outputs_equal_single_runs_and_keep_the_tree(clips: Path, tmp_path: Path) -> None:
    out, manifest = tmp_path / "out", tmp_path / "batch.jsonl"
    result = run_mstg("batch", str(clips), "-t", "barcode", "-t", "edges", "-o", f"{out}/{{relpath}}/{{stem}}.nut",
                      "-ca", "pcm_s16le", "--events", f"{out}/{{relpath}}/{{stem}}.jsonl", "--manifest", str(manifest), "-j", "2")
    assert result.returncode == 0, result.stderr.decode()
    assert "4 ok, 0 failed" in result.stderr.decode()
    done = {Path(r["input"]).name: r for r in records(manifest)}
    assert set(done) == {"one.mp4", "two.mp4", "three.mkv", "codes.mp4"}
    assert {r["status"] for r in done.values()} == {"ok"}
    assert done["two.mp4"]["frames"] == 50 and done["one.mp4"]["frames"] == 25
    assert done["codes.mp4"]["events"] > 0
    for source, target in [(clips / "one.mp4", out / "one"), (clips / "two.mp4", out / "two"),
                           (clips / "sub" / "three.mkv", out / "sub" / "three"), (clips / "codes.mp4", out / "codes")]:
        single = tmp_path / "single" / source.stem
        single.parent.mkdir(exist_ok=True)
        alone = run_mstg("run", "-i", str(source), "-t", "barcode", "-t", "edges", "-o", f"{single}.nut",
                         "-ca", "pcm_s16le", "--events", f"{single}.jsonl")
        assert alone.returncode == 0, alone.stderr.decode()
        times_b, pictures_b, audio_b = decoded(Path(f"{target}.nut"))
        times_s, pictures_s, audio_s = decoded(Path(f"{single}.nut"))
        assert times_b == times_s and len(pictures_b) == done[source.name]["frames"]
        assert all(np.array_equal(a, b) for a, b in zip(pictures_b, pictures_s))
        assert np.array_equal(audio_b, audio_s)
        events_b = [json.loads(line) for line in Path(f"{target}.jsonl").read_text().splitlines()]
        events_s = [json.loads(line) for line in Path(f"{single}.jsonl").read_text().splitlines()]
        assert events_b == events_s and len(events_b) == done[source.name]["events"]
    assert not (out / "notes.nut").exists() and not no_staged_files(out)


def test_a_corrupt_file_is_recorded_and_the_others_go_on(clips: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("one.mp4", "two.mp4"):
        os.link(clips / name, inputs / name)
    (inputs / "broken.mp4").write_bytes((clips / "one.mp4").read_bytes()[:300] + os.urandom(4000))
    manifest = tmp_path / "batch.jsonl"
    result = run_mstg("batch", str(inputs), "-o", f"{tmp_path}/out/{{stem}}.mp4", "--manifest", str(manifest))
    stderr = result.stderr.decode()
    assert result.returncode == 9, stderr
    assert "2 ok, 1 failed" in stderr and "broken.mp4" in stderr and "Traceback" not in stderr
    by_name = {Path(r["input"]).name: r for r in records(manifest)}
    assert by_name["broken.mp4"]["status"] == "failed" and by_name["broken.mp4"]["exit_status"] == 4
    assert by_name["broken.mp4"]["error"]
    assert not (tmp_path / "out" / "broken.mp4").exists() and not no_staged_files(tmp_path / "out")
    for name, frames in (("one", 25), ("two", 50)):
        assert by_name[f"{name}.mp4"]["status"] == "ok"
        assert len(probe(tmp_path / "out" / f"{name}.mp4")["video"]) == frames


def _wait_for(condition, what: str, bound: float = 60.0) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _batch_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mstg", "batch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_ctrl_c_lets_running_files_finish_then_resume_does_the_rest(tmp_path: Path) -> None:
    inputs, out, manifest = tmp_path / "in", tmp_path / "out", tmp_path / "batch.jsonl"
    inputs.mkdir()
    for i in range(8):
        make_clip(inputs / f"c{i}.mp4", seconds=2, size=(640, 360))
    args = [str(inputs), "-t", "blur", "-o", f"{out}/{{stem}}.mp4", "--manifest", str(manifest), "-j", "1"]
    proc = _batch_process(*args)
    _wait_for(lambda: manifest.exists() and manifest.read_text().count("\n") >= 1, "a first file done")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr.decode()
    first = records(manifest)
    assert 1 <= len(first) < 8 and {r["status"] for r in first} == {"ok"}
    finished = {Path(r["input"]).stem for r in first}
    assert sorted(p.stem for p in out.iterdir()) == sorted(finished)  # nothing half-written
    kept = {name: (out / f"{name}.mp4").stat().st_mtime_ns for name in finished}
    for name in finished:
        assert len(probe(out / f"{name}.mp4")["video"]) == 50

    again = run_mstg("batch", *args, "--resume")
    assert again.returncode == 0, again.stderr.decode()
    assert f"{len(finished)} skipped" in again.stderr.decode()
    second = records(manifest)[len(first):]
    assert sorted(Path(r["input"]).stem for r in second) == sorted({f"c{i}" for i in range(8)} - finished)
    assert all(len(probe(out / f"c{i}.mp4")["video"]) == 50 for i in range(8))
    assert {name: (out / f"{name}.mp4").stat().st_mtime_ns for name in finished} == kept


def test_a_second_ctrl_c_stops_at_once_leaving_no_partial_file(tmp_path: Path) -> None:
    inputs, out, manifest = tmp_path / "in", tmp_path / "out", tmp_path / "batch.jsonl"
    inputs.mkdir()
    for i in range(2):
        make_clip(inputs / f"c{i}.mp4", seconds=10, size=(640, 360))
    proc = _batch_process(str(inputs), "-t", "blur:sigma=5", "-o", f"{out}/{{stem}}.mp4", "--manifest",
                          str(manifest), "-j", "2")
    _wait_for(lambda: out.exists() and no_staged_files(out), "a file being written")
    proc.send_signal(signal.SIGINT)
    assert b"stopping" in proc.stderr.readline()  # the first is heard: running files would finish
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    _wait_for(lambda: not no_staged_files(out), "the workers to remove their staged files", bound=30)
    assert [p for p in out.iterdir() if p.suffix == ".mp4"] == []  # 10 s each: none could finish


def test_lists_and_globs_with_templates(clips: Path, tmp_path: Path) -> None:
    listing = tmp_path / "todo.txt"
    listing.write_text(f"# two files\n{clips / 'one.mp4'}\n\n{clips / 'sub' / 'three.mkv'}\n")
    result = run_mstg("batch", f"@{listing}", f"{clips}/*.mp4", "-o", f"{tmp_path}/out/{{index}}-{{name}}.wav",
                      "--no-video", "--manifest", str(tmp_path / "m.jsonl"), "-j", "2")
    assert result.returncode == 0, result.stderr.decode()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["0-one.mp4.wav", "1-three.mkv.wav", "2-codes.mp4.wav", "3-two.mp4.wav"]  # each file once
    assert len(probe(tmp_path / "out" / "3-two.mp4.wav")["audio"]) > 0


@pytest.mark.parametrize("args, status, message", [
    (["-o", "{out}/same.mp4"], 2, "every file would be written to"),
    (["-o", "{out}/{{bogus}}.mp4"], 2, "unknown field {bogus}"),
    (["-o", "{out}/{{stem}}.mp4", "-o", "-"], 2, "cannot be shared"),
    (["-o", "{clips}/{{relpath}}/{{name}}", "-y"], 5, "would destroy the input"),
    (["-o", "{out}/{{stem}}.mp4", "-t", "nosuch"], 2, "nosuch"),
    (["-o", "{out}/{{stem}}.mp4", "--engine", "local", "--address", "127.0.0.1:1"], 2, "--engine ray"),
])
def test_bad_batches_are_one_error_line_before_anything_runs(clips: Path, tmp_path: Path, args: list[str],
                                                            status: int, message: str) -> None:
    out = tmp_path / "out"
    result = run_mstg("batch", str(clips), *[a.format(out=out, clips=clips) for a in args],
                      "--manifest", str(tmp_path / "m.jsonl"))
    stderr = result.stderr.decode()
    assert result.returncode == status, stderr
    assert stderr.startswith("error: ") and message in stderr and "Traceback" not in stderr
    assert not out.exists() and not (tmp_path / "m.jsonl").exists()


def test_a_missing_input_is_exit_3(tmp_path: Path) -> None:
    result = run_mstg("batch", str(tmp_path / "nope"), "-o", "null")
    assert result.returncode == 3 and "does not exist" in result.stderr.decode()


def test_ray_missing_names_the_extra(clips: Path, tmp_path: Path) -> None:
    """Without Ray installed (an import that fails, as it does when the extra is missing)."""
    blocker = tmp_path / "noray" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(blocker.parent), os.environ.get("PYTHONPATH", "")])}
    result = run_mstg("batch", str(clips), "-o", "null", "--engine", "ray", env=env)
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "mstg[ray]" in stderr and "Traceback" not in stderr


def test_the_library_runs_a_template_job_and_run_job_reports_failures(clips: Path, tmp_path: Path) -> None:
    from mstg.batch import LocalEngine, plan_jobs, run_batch, run_job
    from mstg.job import OutputConfig, RunConfig

    template = RunConfig(transforms=["grayscale"], outputs=[OutputConfig(f"{tmp_path}/out/{{relpath}}/{{stem}}.mkv",
                                                                         audio=False)])
    jobs = plan_jobs([str(clips / "one.mp4"), str(clips / "sub")], template)
    assert [RunConfig.from_dict(j["config"]).inputs[0].spec for j in jobs] == [j["input"] for j in jobs]
    summary = run_batch(jobs, LocalEngine(jobs=2), manifest=str(tmp_path / "m.jsonl"))
    assert (summary.ok, summary.failed, summary.frames) == (2, 0, 50)
    picture = probe(tmp_path / "out" / "three.mkv")["video"][0][1].to_ndarray(format="bgr24")
    assert np.array_equal(picture[..., 0], picture[..., 2])  # gray
    assert not probe(tmp_path / "out" / "three.mkv")["audio"]

    again = run_job(jobs[0])  # its output exists now, and -y was not given
    assert (again["status"], again["exit_status"]) == ("failed", 6) and "exists" in again["error"]


def test_a_worker_that_dies_fails_only_its_own_file(clips: Path, tmp_path: Path) -> None:
    """A transform that kills its process on the small clip (as a crash in native code would)."""
    (tmp_path / "killer.py").write_text(
        "import os, signal\n"
        "from dataclasses import dataclass\n"
        "from mstg import Transform\n\n"
        "@dataclass\n"
        "class Killer(Transform):\n"
        "    name = 'killer'\n"
        "    pixel_format = 'gray'\n\n"
        "    def process(self, pixels, frame):\n"
        "        if pixels.shape[1] == 160 and frame.timestamp > 500000:  # its output has begun\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "        return pixels\n")
    manifest = tmp_path / "m.jsonl"
    result = run_mstg("batch", str(clips / "one.mp4"), str(clips / "two.mp4"), str(clips / "sub"),
                      "-t", f"{tmp_path}/killer.py:Killer", "-o", f"{tmp_path}/out/{{stem}}.mkv", "-j", "3",
                      "--manifest", str(manifest))
    assert result.returncode == 9, result.stderr.decode()
    by_name = {Path(r["input"]).name: r for r in records(manifest)}
    assert by_name["three.mkv"]["status"] == "failed" and "process died" in by_name["three.mkv"]["error"]
    assert by_name["one.mp4"]["status"] == by_name["two.mp4"]["status"] == "ok"
    assert len(probe(tmp_path / "out" / "two.mkv")["video"]) == 50
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.mkv", "two.mkv"]


def test_a_preset_applies_to_every_file_and_flags_win(clips: Path, tmp_path: Path) -> None:
    result = run_mstg("batch", str(clips / "one.mp4"), str(clips / "two.mp4"), "--preset", "to-gif",
                      "--fps", "5", "-o", f"{tmp_path}/gif/{{stem}}.gif", "--manifest", str(tmp_path / "m.jsonl"))
    assert result.returncode == 0, result.stderr.decode()
    for name, seconds in (("one", 1), ("two", 2)):
        frames = probe(tmp_path / "gif" / f"{name}.gif")["video"]
        assert frames[0][1].width == 480  # the preset's size
        assert len(frames) == 5 * seconds  # the flag's rate over the preset's 12 fps


def test_each_worker_gets_its_share_of_the_cores(clips: Path, tmp_path: Path) -> None:
    """Transforms that use every core (``barcode:threads=0``) get the cores divided among the
    files running at once, so a batch does not run cores x cores reads."""
    cores_plugin = write_cores_plugin(tmp_path)
    cores = len(os.sched_getaffinity(0))
    for jobs, share in ((1, cores), (2, max(1, cores // 2))):
        out = tmp_path / f"j{jobs}"
        result = run_mstg("batch", str(clips / "one.mp4"), str(clips / "two.mp4"), "-j", str(jobs),
                          "-t", cores_plugin, "-o", f"{out}/{{stem}}.mkv",
                          "--events", f"{out}/{{stem}}.jsonl")
        assert result.returncode == 0, result.stderr.decode()
        told = [json.loads(line)["threads"] for name in ("one", "two")
                for line in (out / f"{name}.jsonl").read_text().splitlines()]
        assert told == [min(share, 4)] * 2, f"-j {jobs} on {cores} cores"
