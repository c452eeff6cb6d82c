"""Every performance comparison of mstg in one run: mstg against FFmpeg's CLI, a plain PyAV
loop and a plain OpenCV loop, on input media this script makes itself.

    python bench/run.py                    # everything, 5 runs each (about 15 minutes on 2 cores)
    python bench/run.py --quick            # tiny input, 1 run each: does every case still run?
    python bench/run.py --only transcode,blur --repeat 7
    python bench/run.py --markdown         # the tables as Markdown (for bench/RESULTS.md)

Cases (``--only`` takes these names):

  startup    ``mstg --help`` and ``mstg run --help``
  transcode  1080p30 H.264 -> libx264 veryfast CRF 23, audio stream-copied
             (``ffmpeg ... -c:a copy`` vs ``mstg run ... --audio-codec copy`` vs a PyAV loop);
             ``transcode-aac`` is the same with AAC re-encoded on every side
  decode     decode everything, write nothing (``-f null`` vs ``-o null`` vs PyAV vs OpenCV)
  pixels     a transform that asks for BGR (only reading it; or handing the array back) and
             five no-op transforms, against no transform (raw video written to /dev/null)
  chain      the chain's own cost per transform on decoded 1080p frames (5 no-op transforms)
  blur       ``-vf gblur=sigma=2`` vs ``-t blur`` in the same transcode (and a PyAV+OpenCV loop)
  edges      ``-vf edgedetect`` vs ``-t edges`` in the same transcode (and a PyAV+OpenCV loop)
  barcode    720p file -> barcode -> null (fps); 1080p30 live source -> barcode (drops); fps and
             detection rate on the photos per speed setting (../shared/testdata/barcodes)
  latency    live 720p30 source -> barcode -> null: capture-to-output latency percentiles
  memory     peak RSS of the transcode of 1 minute and of ``--long-minutes`` of 1080p

Times are medians of ``--repeat`` runs; the tools of a case take turns run by run, so that a
busy machine slows them alike. "CPU" is user + system time of the process (its children
included). mstg and the loops run as separate processes (``--child``), as a user runs them,
with compiled bytecode kept as an installed package has it (see ``bytecode_cache``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TESTDATA = ROOT.parent / "shared" / "testdata" / "barcodes"
CASES = ("startup", "transcode", "transcode-aac", "decode", "pixels", "chain", "blur", "edges",
         "barcode", "latency", "memory")
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]
#: The PyAV loop that hands x264 the decoded frames' picture types (see child_pyav_transcode).
KEPT = "pyav loop, types kept"


# one measured command ---------------------------------------------------------------------
@dataclass
class Run:
    """What one process took: wall seconds, CPU seconds, peak RSS (MiB), and what it printed
    as its last JSON line (the children's own figures)."""

    wall: float
    cpu: float
    rss: float
    report: dict[str, Any] = field(default_factory=dict)


#: The environment of every measured process (see :func:`bytecode_cache`).
ENV: dict[str, str] = dict(os.environ)


def bytecode_cache(folder: Path) -> None:
    """Let the measured Python processes keep compiled bytecode, in ``folder``.

    An installed package has its ``.pyc`` files; a checkout run with PYTHONDONTWRITEBYTECODE=1
    (as this machine's environment sets) compiles all of mstg's modules again at every start,
    about 0.15 s of CPU. The cache lives outside the source tree, so nothing else reads it.
    """
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(folder)


def measure(cmd: list[str]) -> Run:
    """Run ``cmd`` to the end: its wall time, and its CPU time and peak memory from ``wait4``
    (its output goes to files, so that Python never reaps it first)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, problems = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{problems}")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, report)


def child(kind: str, **args: Any) -> list[str]:
    """The command that runs one of this script's own measurements in a fresh process."""
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(args)]


def mstg(*args: str) -> list[str]:
    return [sys.executable, "-m", "mstg", *args]


@dataclass
class Row:
    case: str
    tool: str
    runs: list[Run]
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss for r in self.runs)

    def figure(self, key: str) -> float:
        return statistics.median(float(r.report[key]) for r in self.runs)


@dataclass
class Target:
    name: str
    figure: str
    goal: str
    met: bool | None


class Bench:
    """Makes the input media, runs the cases, collects rows and target lines."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows: list[Row] = []
        self.targets: list[Target] = []
        self.ffmpeg = shutil.which("ffmpeg") or ""
        self.quick = args.quick
        self.size = (320, 240) if self.quick else (1920, 1080)
        self.seconds = 1.0 if self.quick else args.seconds
        self.repeat = 1 if self.quick else args.repeat

    # media ------------------------------------------------------------------------------
    def ff(self, *args: str) -> None:
        subprocess.run([self.ffmpeg, "-v", "error", "-y", *args], check=True, cwd=self.work)

    def make_clip(self, seconds: float, size: tuple[int, int] | None = None) -> Path:
        """H.264 (CRF 20) + AAC stereo of FFmpeg's testsrc2 and a sine, at the bench's size."""
        w, h = size or self.size
        path = self.work / f"in-{w}x{h}-{seconds:g}s.mp4"
        if not path.exists():
            self.ff("-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=30", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", f"{seconds:g}", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-ac", "2", str(path))
        return path

    def make_long(self, minutes: float) -> Path:
        """``minutes`` of the 1-minute clip, joined by stream copy (fast to make)."""
        base = self.make_clip(60.0 if not self.quick else 1.0)
        copies = max(1, round(minutes * (1 if not self.quick else 60)))
        listing = self.work / "list.txt"
        listing.write_text("".join(f"file '{base.name}'\n" for _ in range(copies)))
        path = self.work / f"{base.stem}-x{copies}.mp4"
        if not path.exists():
            self.ff("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(path))
        return path

    @property
    def clip(self) -> Path:
        return self.make_clip(self.seconds)

    @property
    def frames(self) -> int:
        return round(self.seconds * 30)

    def warm_up(self) -> None:
        """One untimed run of each kind of process, which fills the bytecode cache."""
        bytecode_cache(self.work / "pycache")
        if self.quick:
            return
        tiny, out = str(self.make_clip(1.0, (320, 240))), str(self.work / "warm.mp4")
        for cmd in (mstg("--help"), mstg("run", "--help"),
                    mstg("run", "-q", "-y", "-i", tiny, "-t", "blur", "-t", "edges", "-o", out,
                         "--audio-codec", "copy"),
                    mstg("run", "-q", "-y", "-i", tiny, "-t", "barcode", "-t", "null", "-o", out),
                    child("pipelines", src=tiny, out="raw", variants={"a": ["bgr-write"]}, repeat=1),
                    child("chain", src=tiny, pushes=10), child("pyav-filter", src=tiny, out=out,
                                                              filter="edges")):
            measure(cmd)

    # running ----------------------------------------------------------------------------
    def compare(self, case: str, commands: dict[str, list[str]], repeat: int | None = None) -> dict[str, Row]:
        """Each command ``repeat`` times, taking turns; one row per tool."""
        runs: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(repeat or self.repeat):
            for name, cmd in commands.items():
                runs[name].append(measure(cmd))
        rows = {name: Row(case, name, got) for name, got in runs.items()}
        self.rows.extend(rows.values())
        return rows

    def target(self, name: str, figure: str, goal: str, met: bool | None) -> None:
        self.targets.append(Target(name, figure, goal, met))

    # the cases --------------------------------------------------------------------------
    def case_startup(self) -> None:
        rows = self.compare("startup", {"mstg --help": mstg("--help"),
                                        "mstg run --help": mstg("run", "--help")},
                            repeat=1 if self.quick else max(5, self.repeat))
        worst = max(rows.values(), key=lambda r: r.wall)
        self.target("7. start-up", f"{worst.wall:.2f} s ({worst.tool}; CPU {worst.cpu:.2f} s)",
                    "<= 0.3 s", worst.wall <= 0.3)

    def _transcode(self, case: str, audio: str) -> tuple[dict[str, Row], float]:
        src, out = str(self.clip), str(self.work / "out.mp4")
        rows = self.compare(case, {
            "ffmpeg": [self.ffmpeg, "-v", "error", "-y", "-i", src, *X264, "-c:a", audio, out],
            "mstg": mstg("run", "-q", "-y", "-i", src, "-o", out,
                         *(["--audio-codec", "copy"] if audio == "copy" else [])),
            "pyav loop": child("pyav-transcode", src=src, out=out, audio=audio),
            **({KEPT: child("pyav-transcode", src=src, out=out, audio=audio, keep_types=True)}
               if audio == "copy" else {}),
        })
        for row in rows.values():
            row.note = f"{row.wall / rows['ffmpeg'].wall:.2f}x ffmpeg's time"
        if KEPT in rows:
            row = rows[KEPT]
            row.note += (" - not the same encode: x264 obeys the input's I/P/B types and skips its "
                         "own decisions")
        return rows, rows["mstg"].wall / rows["ffmpeg"].wall

    def case_transcode(self) -> None:
        rows, ratio = self._transcode("transcode", "copy")
        self.target("1. transcode, audio copied", f"{ratio:.2f}x ffmpeg's wall time "
                    f"(CPU {rows['mstg'].cpu / rows['ffmpeg'].cpu:.2f}x)", "<= 0.85x",
                    ratio <= 0.85 if not self.quick else None)
        frames = self.frames
        self.target("6. peak RSS at 1080p (transcode)", f"{rows['mstg'].rss:.0f} MiB "
                    f"(ffmpeg {rows['ffmpeg'].rss:.0f} MiB, {frames} frames)", "<= 400 MiB",
                    rows["mstg"].rss <= 400 if not self.quick else None)

    def case_transcode_aac(self) -> None:
        rows, ratio = self._transcode("transcode-aac", "aac")
        self.target("1b. transcode, AAC re-encoded", f"{ratio:.2f}x ffmpeg's wall time "
                    f"(CPU {rows['mstg'].cpu / rows['ffmpeg'].cpu:.2f}x)",
                    "(for reference)", None)

    def case_decode(self) -> None:
        src = str(self.clip)
        rows = self.compare("decode", {
            "ffmpeg": [self.ffmpeg, "-v", "error", "-i", src, "-f", "null", "-"],
            "mstg": mstg("run", "-q", "-i", src, "-o", "null"),
            "pyav loop": child("pyav-decode", src=src),
            "opencv loop": child("opencv-decode", src=src),
        })
        for row in rows.values():
            row.note = f"{row.wall / rows['ffmpeg'].wall:.2f}x ffmpeg's time"
        rows["opencv loop"].note += " (video only, to BGR)"

    def case_pixels(self) -> None:
        src = str(self.clip)
        variants = {"no transform": [], "BGR, read only": ["bgr-read"],
                    "BGR, array handed back": ["bgr-write"], "5 x null": ["null"] * 5}
        # raw video (NUT) to /dev/null: the encoder takes the pixels, as a real output does,
        # for little work of its own (a null output would never convert a BGR frame back).
        # All variants run in one process, taking turns, so that only the runs are compared.
        report = measure(child("pipelines", src=src, out="raw", variants=variants,
                               repeat=self.repeat)).report
        rows = {name: Row("pixels", name, [Run(r["run_s"], r["cpu_s"], 0, r) for r in runs])
                for name, runs in report.items()}
        self.rows.extend(rows.values())
        base = rows["no transform"]
        frames = base.figure("frames")

        def added(row: Row, key: str = "run_s") -> float:
            return (row.figure(key) - base.figure(key)) * 1000 / frames

        for row in rows.values():
            row.note = "the pipeline alone" if row is base else (
                f"+{added(row):.2f} ms wall, +{added(row, 'cpu_s'):.2f} ms CPU per frame")
        read = rows["BGR, read only"]
        write = rows["BGR, array handed back"]
        added_cpu = lambda row: added(row, "cpu_s")  # noqa: E731
        self.target("2. BGR transform overhead", f"read only +{added(read):.2f} ms wall "
                    f"(+{added_cpu(read):.2f} ms CPU); handed back +{added(write):.2f} ms wall "
                    f"(+{added_cpu(write):.2f} ms CPU) per frame", "<= 1.5 ms per 1080p frame",
                    max(added(read), added(write)) <= 1.5 if not self.quick else None)

    def case_chain(self) -> None:
        pushes = 300 if self.quick else 3000
        row = self.compare("chain", {"5 no-op transforms": child("chain", src=str(self.clip),
                                                                 pushes=pushes)})[
            "5 no-op transforms"]
        per = row.figure("per_transform_us")
        gray = row.figure("per_gray_transform_us")
        row.note = (f"{per:.1f} us per transform per frame (null); {gray:.1f} us (asking for gray)")
        self.target("8. chain overhead", f"{per / 1000:.3f} ms per frame per transform "
                    f"({gray / 1000:.3f} ms asking for gray pixels)", "< 0.1 ms", per < 100)

    def _filter(self, case: str, ff_filter: str, transform: str) -> None:
        src, out = str(self.clip), str(self.work / "out.mp4")
        rows = self.compare(case, {
            "ffmpeg": [self.ffmpeg, "-v", "error", "-y", "-i", src, "-vf", ff_filter, *X264,
                       "-c:a", "copy", out],
            "mstg": mstg("run", "-q", "-y", "-i", src, "-t", transform, "-o", out,
                         "--audio-codec", "copy"),
            "pyav+opencv loop": child("pyav-filter", src=src, out=out, filter=case),
        })
        for row in rows.values():
            row.note = f"{row.wall / rows['ffmpeg'].wall:.2f}x ffmpeg's time"
        ratio = rows["mstg"].wall / rows["ffmpeg"].wall
        self.target(f"3. {transform} vs {ff_filter}", f"{ratio:.2f}x ffmpeg's wall time", "<= 1.0x",
                    ratio <= 1.0 if not self.quick else None)

    def case_blur(self) -> None:
        self._filter("blur", "gblur=sigma=2", "blur")

    def case_edges(self) -> None:
        self._filter("edges", "edgedetect", "edges")

    def case_barcode(self) -> None:
        seconds = 0.5 if self.quick else max(5.0, self.seconds)
        size = "640x360" if self.quick else "1280x720"
        demo = self.work / f"demo-{size}-{seconds:g}s.mp4"
        if not demo.exists():
            measure(child("demo-file", out=str(demo), seconds=seconds, size=size))
        rows = self.compare("barcode", {
            "mstg 720p file -> null": child("pipeline", src=str(demo), out="null",
                                            transforms=["barcode"]),
            "pyav+zxing loop": child("barcode-loop", src=str(demo)),
        })
        fps = rows["mstg 720p file -> null"].figure("fps")
        for row in rows.values():
            row.note = f"{row.figure('fps'):.0f} fps"
        self.target("4a. barcode, 720p file -> null", f"{fps:.0f} fps", ">= 60 fps",
                    fps >= 60 if not self.quick else None)
        size = (640, 360) if self.quick else (1920, 1080)
        live = self.compare("barcode", {"mstg 1080p30 live -> null": child(
            "live", width=size[0], height=size[1], seconds=seconds, transforms=["barcode"])})
        row = live["mstg 1080p30 live -> null"]
        dropped = max(r.report["dropped"] for r in row.runs)
        row.note = (f"{row.figure('frames')} frames, {dropped} dropped, {row.figure('unread'):.0f} "
                    f"not read to keep up, p95 latency {row.figure('p95_ms'):.0f} ms")
        self.target("4b. barcode, 1080p30 live source", f"{dropped} frames dropped "
                    f"(of {row.figure('frames'):.0f})", "0 dropped",
                    dropped == 0 if not self.quick else None)
        if TESTDATA.is_dir() and not self.quick:
            self.barcode_settings()

    def barcode_settings(self) -> None:
        report = measure(child("barcode-settings")).report
        for setting, got in report.items():
            self.rows.append(Row("barcode settings", setting, [Run(0, 0, 0, got)],
                                 note=(f"{got['decoded']}/{got['pictures']} photos decoded, "
                                       f"{got['fps720']:.0f} fps at 720p, {got['fps1080']:.0f} at "
                                       f"1080p (transform alone)")))

    def case_latency(self) -> None:
        seconds = 0.5 if self.quick else max(10.0, self.seconds)
        size = (640, 360) if self.quick else (1280, 720)
        rows = self.compare("latency", {"mstg 720p30 live -> barcode -> null": child(
            "live", width=size[0], height=size[1], seconds=seconds, transforms=["barcode"])})
        row = rows["mstg 720p30 live -> barcode -> null"]
        p50, p95, p99 = (row.figure(k) for k in ("p50_ms", "p95_ms", "p99_ms"))
        dropped = max(r.report["dropped"] for r in row.runs)
        row.note = f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, {dropped} dropped"
        self.target("5. live latency, 720p30 barcode", f"p95 {p95:.1f} ms (p50 {p50:.1f})",
                    "p95 <= 50 ms", p95 <= 50)

    def case_memory(self) -> None:
        short, long = self.make_long(1.0 / 60 if self.quick else 1.0), self.make_long(
            3.0 / 60 if self.quick else self.args.long_minutes)
        out = str(self.work / "out.mp4")
        rows = {}
        for name, src in (("1 minute", short), (f"{self.args.long_minutes:g} minutes", long)):
            rows[name] = self.compare("memory", {f"mstg {name}": mstg(
                "run", "-q", "-y", "-i", str(src), "-o", out, "--audio-codec", "copy")}, repeat=1)[
                f"mstg {name}"]
        a, b = rows.values()
        for row in rows.values():
            row.note = f"peak RSS {row.rss:.0f} MiB"
        growth = b.rss / a.rss - 1
        self.target("6. peak RSS flat in input length", f"{a.rss:.0f} -> {b.rss:.0f} MiB "
                    f"({growth:+.1%})", "< 10 % apart", abs(growth) < 0.10 if not self.quick else None)

    # output -----------------------------------------------------------------------------
    def tables(self, markdown: bool) -> str:
        head = ["case", "tool", "median s", "CPU s", "peak RSS MiB", "notes"]
        body = [[r.case, r.tool, f"{r.wall:.2f}" if r.wall else "-", f"{r.cpu:.2f}" if r.cpu else "-",
                 f"{r.rss:.0f}" if r.rss else "-", r.note] for r in self.rows]
        marks = {True: "yes", False: "NO", None: "-"}
        targets = [[t.name, t.figure, t.goal, marks[t.met]] for t in self.targets]
        return (f"{self.repeat} run(s) each; input {self.size[0]}x{self.size[1]}, "
                f"{self.seconds:g} s at 30 fps\n\n" + _table(head, body, markdown) + "\n\n"
                + _table(["target", "measured", "goal", "met"], targets, markdown) + "\n")


def _table(head: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
                          *("| " + " | ".join(line) + " |" for line in body)])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip()
                     for line in [head, ["-" * w for w in widths], *body])


def results_file(path: Path, bench: Bench, facts: dict[str, str], argv: list[str],
                 load: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    """bench/RESULTS.md: the command, the machine, how busy it was, and the tables. A
    ``## Notes`` section already in the file (written by hand) is kept, after the tables."""
    notes = ""
    if path.exists():
        old = path.read_text()
        if "\n## Notes" in old:
            notes = old[old.index("\n## Notes"):]
    lines = ["# mstg benchmark results", "",
             f"`python bench/run.py {' '.join(argv)}`, {time.strftime('%Y-%m-%d %H:%M %Z')}. "
             "Made by that command; see the docstring of bench/run.py for what each case does.", "",
             "| machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in facts.items()),
             f"| load average (1, 5, 15 min) at start | {', '.join(f'{v:.1f}' for v in load[0])} |",
             f"| load average at end | {', '.join(f'{v:.1f}' for v in load[1])} |", "",
             bench.tables(markdown=True)]
    path.write_text("\n".join(lines) + notes)


def machine_facts() -> dict[str, str]:
    """Cores, CPU model and library versions (for bench/RESULTS.md)."""
    import av
    import cv2
    import numpy

    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ffmpeg = shutil.which("ffmpeg")
    cli = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split("\n")[0] \
        .split(" Copyright")[0] if ffmpeg else "not installed"
    libs = av.library_versions
    return {
        "cores": str(os.cpu_count()), "cpu": model, "python": platform.python_version(),
        "pyav": av.__version__,
        "pyav's ffmpeg": f"{getattr(av, 'ffmpeg_version_info', '?')} (libavcodec "
                         + ".".join(map(str, libs["libavcodec"])) + ")",
        "pyav's x264": _x264_of_pyav(),
        "ffmpeg cli": cli, "ffmpeg cli's x264": _x264_of_cli(ffmpeg),
        "opencv": cv2.__version__, "numpy": numpy.__version__,
    }


def _x264_of_pyav() -> str:
    """The x264 build PyAV's wheel carries, as it names itself in the stream it writes."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.mux(stream.encode(av.VideoFrame(64, 64, "yuv420p")))
        container.mux(stream.encode(None))
    return _x264_banner(buffer.getvalue())


def _x264_of_cli(ffmpeg: str | None) -> str:
    if not ffmpeg:
        return "?"
    made = subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64", "-t", "0.1",
                           "-c:v", "libx264", "-f", "h264", "-"], capture_output=True, check=False)
    return _x264_banner(made.stdout)


def _x264_banner(stream: bytes) -> str:
    """``core 164 r3095 baee400`` from the SEI that x264 writes."""
    start = stream.find(b"x264 - core ")
    if start < 0:
        return "?"
    words = stream[start + 7: start + 60].split(b" ")
    return " ".join(w.decode(errors="replace") for w in words[:3] if w != b"-")


# the children: measurements that run in a process of their own, each returning its figures --
def _x264_stream(container: Any, template: Any) -> Any:
    """libx264 veryfast CRF 23, threads as FFmpeg's CLI sets them: what every side uses."""
    stream = container.add_stream("libx264", rate=template.average_rate or 30)
    stream.width, stream.height, stream.pix_fmt = template.width, template.height, "yuv420p"
    stream.codec_context.thread_type = "AUTO"
    stream.options = {"preset": "veryfast", "crf": "23"}
    return stream


def _open_for_loop(src: str) -> tuple[Any, Any, Any]:
    import av

    container = av.open(src)
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    audio = container.streams.audio[0] if container.streams.audio else None
    return container, video, audio


def child_pyav_transcode(src: str, out: str, audio: str, keep_types: bool = False) -> dict[str, Any]:
    """The plain PyAV loop a user would write: decode, encode, mux, in one thread.

    A decoded frame carries its picture type (I, P or B), and libx264 obeys a type it is handed.
    FFmpeg's CLI and mstg clear it, so x264 makes its own decisions; ``keep_types`` leaves it
    on, as the most naive loop does: x264 then copies the input's I/P/B pattern and skips its
    frame-type analysis, which is faster but a different encode.
    """
    import av

    started = time.perf_counter()
    source, video, sound = _open_for_loop(src)
    with av.open(out, "w") as sink:
        vout = _x264_stream(sink, video)
        aout = None
        if sound is not None:
            aout = sink.add_stream_from_template(sound) if audio == "copy" else sink.add_stream(
                "aac", rate=sound.codec_context.sample_rate)
        for packet in source.demux(*(s for s in (video, sound) if s is not None)):
            if packet.stream is sound and audio == "copy":
                if packet.size:
                    packet.stream = aout
                    sink.mux(packet)
                continue
            for frame in packet.decode():
                if packet.stream is video:
                    if not keep_types:
                        frame.pict_type = av.video.frame.PictureType.NONE
                    sink.mux(vout.encode(frame))
                else:
                    frame.pts = None
                    sink.mux(aout.encode(frame))
        sink.mux(vout.encode(None))
        if aout is not None and audio != "copy":
            sink.mux(aout.encode(None))
    return {"run_s": time.perf_counter() - started}


def child_pyav_decode(src: str) -> dict[str, Any]:
    started = time.perf_counter()
    source, video, sound = _open_for_loop(src)
    frames = sum(1 for _ in source.decode(*(s for s in (video, sound) if s is not None)))
    return {"run_s": time.perf_counter() - started, "frames": frames}


def child_opencv_decode(src: str) -> dict[str, Any]:
    import cv2

    started = time.perf_counter()
    capture = cv2.VideoCapture(src)
    frames = 0
    while True:
        ok, _ = capture.read()
        if not ok:
            break
        frames += 1
    return {"run_s": time.perf_counter() - started, "frames": frames}


def child_pyav_filter(src: str, out: str, filter: str) -> dict[str, Any]:
    """Decode, blur (or find edges) with OpenCV on the I420 planes, encode: by hand."""
    import av
    import cv2
    import numpy as np

    started = time.perf_counter()
    source, video, sound = _open_for_loop(src)
    with av.open(out, "w") as sink:
        vout = _x264_stream(sink, video)
        aout = sink.add_stream_from_template(sound) if sound is not None else None
        w, h = video.width, video.height
        for packet in source.demux(*(s for s in (video, sound) if s is not None)):
            if packet.stream is sound:
                if packet.size:
                    packet.stream = aout
                    sink.mux(packet)
                continue
            for frame in packet.decode():
                i420 = frame.to_ndarray(format="yuv420p")
                if filter == "blur":
                    y, uv = i420[:h], i420[h:].reshape(2, h // 2, w // 2)
                    cv2.GaussianBlur(y, (0, 0), 2.0, dst=y)
                    cv2.GaussianBlur(uv[0], (0, 0), 1.0, dst=uv[0])
                    cv2.GaussianBlur(uv[1], (0, 0), 1.0, dst=uv[1])
                else:
                    edges = cv2.Canny(cv2.GaussianBlur(i420[:h], (0, 0), 1.0), 50, 150)
                    i420 = np.full((h * 3 // 2, w), 128, np.uint8)
                    i420[:h] = edges
                made = av.VideoFrame.from_numpy_buffer(i420, format="yuv420p")
                made.pts, made.time_base = frame.pts, frame.time_base
                sink.mux(vout.encode(made))
        sink.mux(vout.encode(None))
    return {"run_s": time.perf_counter() - started}


def _bench_transforms(names: list[str]) -> list[Any]:
    """Transforms by name: the registry's, or this bench's BGR no-ops."""
    from dataclasses import dataclass as _dataclass

    from mstg.transforms.base import Transform
    from mstg.transforms.registry import load_transform

    @_dataclass
    class BgrRead(Transform):
        """Asks for BGR pixels, reads them, hands the frame on unchanged."""

        name = "bgr-read"
        summary = "BGR, read only"
        pixel_format = "bgr24"

        def process(self, data: Any, frame: Any) -> Any:
            return frame

    @_dataclass
    class BgrWrite(Transform):
        """Asks for BGR pixels and hands the array back (as one that drew on it would)."""

        name = "bgr-write"
        summary = "BGR, array handed back"
        pixel_format = "bgr24"

        def process(self, data: Any, frame: Any) -> Any:
            return data

    own = {"bgr-read": BgrRead, "bgr-write": BgrWrite}
    return [own[n]() if n in own else load_transform(n) for n in names]


def _timed_run(pipeline: Any) -> dict[str, Any]:
    """Run ``pipeline``; its figures, with the CPU time and page faults of the run alone."""
    import resource

    cpu, faults = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    stats = pipeline.run()
    cpu, faults = time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return {"run_s": stats.wall_s, "cpu_s": cpu, "faults": faults, "frames": stats.frames_in["video"],
            "fps": stats.fps, "dropped": stats.dropped,
            **{f"p{p}_ms": stats.latency_percentile(p) or 0.0 for p in (50, 95, 99)}}


def child_pipeline(src: str, out: str, transforms: list[str]) -> dict[str, Any]:
    """An mstg run in the library: ``src`` -> ``transforms`` -> ``out`` (``null`` or a file)."""
    from mstg import Pipeline, open_input, open_output

    import cv2  # noqa: F401 - imported before the clock starts: not a per-frame cost

    from mstg.outputs import EncodeOptions

    sink = open_output("/dev/null", format="nut", overwrite=True, options=EncodeOptions(
        video_codec="rawvideo", audio_codec="pcm_s16le")) if out == "raw" else open_output(
        out, overwrite=True)
    pipeline = Pipeline([open_input(src)], [sink], _bench_transforms(transforms), tune_process=True)
    return _timed_run(pipeline)


def child_pipelines(src: str, out: str, variants: dict[str, list[str]], repeat: int) -> dict[str, Any]:
    """Several pipelines (``variants``: name -> transforms) in turn, ``repeat`` times each, in
    this one process: their figures per run."""
    import cv2  # noqa: F401 - loaded before any clock starts

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, transforms in variants.items():
            runs[name].append(child_pipeline(src, out, transforms))
    return runs


def child_live(width: int, height: int, seconds: float, transforms: list[str]) -> dict[str, Any]:
    """The demo scene as a live source (a camera's semantics: frames stamped when captured,
    dropped rather than queued), paced in real time, through ``transforms`` to null."""
    from mstg import Pipeline, open_output
    from mstg.inputs.demo import DemoInput

    class LiveDemo(DemoInput):
        live = True

        def _pace(self, frame: Any, anchor: float | None) -> float:
            anchor = super()._pace(frame, anchor)
            frame.capture_time = time.monotonic()  # "captured" when its time comes
            return anchor

    source = LiveDemo(width=width, height=height, duration=seconds, realtime=True, audio=False)
    chain = _bench_transforms(transforms)
    pipeline = Pipeline([source], [open_output("null")], chain, tune_process=True)
    return {**_timed_run(pipeline), "unread": sum(getattr(t, "unread", 0) for t in chain)}


def child_chain(src: str, pushes: int) -> dict[str, Any]:
    """The chain's own cost: decoded frames pushed through 0 and 5 no-op transforms."""
    from dataclasses import dataclass as _dataclass

    from mstg.chain import TransformChain
    from mstg.frames import VideoFrame
    from mstg.transforms.base import Transform
    from mstg.transforms.video import Null

    @_dataclass
    class GrayNoop(Transform):
        name = "gray-noop"
        summary = "Asks for grey pixels, hands the frame on."
        pixel_format = "gray"

        def process(self, data: Any, frame: Any) -> Any:
            return frame

    source, video, _ = _open_for_loop(src)
    pictures = []
    for picture in source.decode(video):
        pictures.append(picture)
        if len(pictures) == 30:
            break

    def seconds(transforms: list[Any]) -> float:
        best = float("inf")
        for _ in range(5):
            chain = TransformChain(transforms)
            chain.setup({})
            started = time.perf_counter()
            for i in range(pushes):
                frame = VideoFrame.from_av(pictures[i % len(pictures)], timestamp=i * 33_333,
                                           duration=33_333, index=i)
                for out in chain.push(frame):
                    out.close()
            best = min(best, (time.perf_counter() - started) / pushes)
        return best

    none, nulls, grays = seconds([]), seconds([Null() for _ in range(5)]), seconds(
        [GrayNoop() for _ in range(5)])
    return {"per_frame_us": none * 1e6, "per_transform_us": (nulls - none) / 5 * 1e6,
            "per_gray_transform_us": (grays - none) / 5 * 1e6}


def child_demo_file(out: str, seconds: float, size: str) -> dict[str, Any]:
    """The demo scene (six barcodes) written as an H.264 file, for the barcode case."""
    from mstg import Pipeline, open_output
    from mstg.inputs.demo import DemoInput

    width, height = (int(v) for v in size.split("x"))
    source = DemoInput(width=width, height=height, duration=seconds, audio=False)
    Pipeline([source], [open_output(out, overwrite=True)]).run()
    return {}


def child_barcode_loop(src: str) -> dict[str, Any]:
    """PyAV decode and zxing-cpp on each Y plane, nothing drawn: the floor for the barcode case."""
    import numpy as np
    import zxingcpp

    started = time.perf_counter()
    source, video, _ = _open_for_loop(src)
    frames = found = 0
    for frame in source.decode(video):
        plane = frame.planes[0]
        y = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[: frame.height, : frame.width]
        found += len(zxingcpp.read_barcodes(y))
        frames += 1
    wall = time.perf_counter() - started
    return {"run_s": wall, "frames": frames, "fps": frames / wall, "found": found}


def child_barcode_settings() -> dict[str, Any]:
    """Per speed setting: the transform's fps on demo frames (720p, 1080p) and how many of the
    photos it decodes (bench/barcode.py's measurements)."""
    import cv2

    sys.path.insert(0, str(HERE))
    import barcode as barcode_bench  # bench/barcode.py

    cv2.setNumThreads(1)
    frames = {size: barcode_bench.demo_frames(*size, 60) for size in barcode_bench.SIZES}
    photos: dict[float, tuple[int, int]] = {}
    out: dict[str, Any] = {}
    for params in barcode_bench.SETTINGS:
        scale = params.get("scale", 1.0)
        if scale not in photos:
            rates = barcode_bench.photo_rates({"scale": scale, "photo": "off"}, repeat=1)
            photos[scale] = (sum(v[0] for k, v in rates.items() if k != "falsepositives"),
                             sum(v[1] for k, v in rates.items() if k != "falsepositives"))
        fps = [barcode_bench.measure_fps(frames[size], params, 3)[0] for size in barcode_bench.SIZES]
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        out[label] = {"decoded": photos[scale][0], "pictures": photos[scale][1],
                      "fps720": fps[0], "fps1080": fps[1]}
    return out


CHILDREN = {
    "pyav-transcode": child_pyav_transcode, "pyav-decode": child_pyav_decode,
    "opencv-decode": child_opencv_decode, "pyav-filter": child_pyav_filter,
    "pipeline": child_pipeline, "pipelines": child_pipelines, "live": child_live, "chain": child_chain,
    "demo-file": child_demo_file, "barcode-loop": child_barcode_loop,
    "barcode-settings": child_barcode_settings,
}


def run_child(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    return CHILDREN[kind](**args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny input, one run each")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the 1080p input")
    parser.add_argument("--long-minutes", type=float, default=10.0,
                        help="length of the long input of the memory case")
    parser.add_argument("--only", default="", help=f"comma-separated cases: {', '.join(CASES)}")
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument("--keep", type=Path, help="make (and keep) the input media in this folder")
    parser.add_argument("--results", type=Path, help="also write the tables and the machine's "
                                                      "facts as Markdown to this file (bench/RESULTS.md)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child[0], json.loads(args.child[1]))))
        return 0
    if shutil.which("ffmpeg") is None:
        print("the ffmpeg CLI is needed (apt-get install ffmpeg)", file=sys.stderr)
        return 1
    chosen = [c.strip() for c in args.only.split(",") if c.strip()] or list(CASES)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; cases: {', '.join(CASES)}")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mstg-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        bench = Bench(args, work)
        bench.warm_up()
        for case in chosen:
            started = time.perf_counter()
            getattr(bench, "case_" + case.replace("-", "_"))()
            print(f"[{case}: {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
    facts = machine_facts()
    load = (load_before, os.getloadavg())
    print(", ".join(f"{k}: {v}" for k, v in facts.items()))
    print("load average at start " + ", ".join(f"{v:.1f}" for v in load[0]) + "; at end "
          + ", ".join(f"{v:.1f}" for v in load[1]))
    print(bench.tables(args.markdown))
    if args.results:
        results_file(args.results, bench, facts, list(argv if argv is not None else sys.argv[1:]), load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
