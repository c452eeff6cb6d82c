"""The FFmpeg bridge: any libavfilter chain as a transform, through PyAV's filter graphs.

``ffmpeg:vf=FILTERS`` filters the video and ``ffmpeg:af=FILTERS`` the audio, with FFmpeg's
``-vf`` / ``-af`` syntax; everything after ``vf=`` is the graph, commas included::

    mstg run -i in.mp4 -t "ffmpeg:vf=scale=320:-1,hflip" -o small.mp4
    mstg run -i talk.wav -t "ffmpeg:af=highpass=f=200,volume=2" -o clean.wav

Only a chain of filters (``a,b,c``) is supported, not labelled graphs with ``[in]`` or ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from ..frames import AudioData, VideoFrame
from .base import Transform
from .params import validate_params

US = 1_000_000
Frame = VideoFrame | AudioData


def parse_chain(graph: str) -> list[tuple[str, str | None]]:
    """``"scale=320:-1,hflip"`` -> ``[("scale", "320:-1"), ("hflip", None)]``.

    Quoting and escaping follow FFmpeg's graph syntax (``'...'`` and ``\\``): one level is
    removed here, as ``ffmpeg -vf`` does, and the filter gets the rest.

    >>> parse_chain("scale=320:-1, hflip")
    [('scale', '320:-1'), ('hflip', None)]
    >>> parse_chain("select='eq(n,0)',negate")
    [('select', 'eq(n,0)'), ('negate', None)]
    """
    filters: list[tuple[str, str | None]] = []
    pos = 0
    while True:
        name, pos = _token(graph, pos, "=,;[]")
        args = None
        if pos < len(graph) and graph[pos] == "=":
            args, pos = _token(graph, pos + 1, "[],;")
        if pos < len(graph) and graph[pos] != ",":
            raise ValueError(f"only a chain of filters joined by ',' is supported, not "
                             f"{graph[pos]!r} (labelled graphs need ffmpeg itself)")
        if not name:
            raise ValueError(f"a filter name is missing in {graph!r}")
        filters.append((name, args))
        if pos >= len(graph):
            return filters
        pos += 1


def _token(text: str, pos: int, stop: str) -> tuple[str, int]:
    """FFmpeg's ``av_get_token``: up to a character of ``stop``, one level of quoting removed."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    out: list[str] = []
    kept = 0  # length of ``out`` that trailing-space trimming must not touch
    while pos < len(text) and text[pos] not in stop:
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            kept = len(out)
        elif char == "'":
            end = text.find("'", pos + 1)
            end = len(text) if end < 0 else end
            out.extend(text[pos + 1:end])
            pos = end + 1
            kept = len(out)
        else:
            out.append(char)
            pos += 1
    token = "".join(out)
    return token[:kept] + token[kept:].rstrip(), pos


@dataclass
class FFmpegFilter(Transform):
    """Runs an FFmpeg filter chain (``vf=`` for video, ``af=`` for audio) on every frame.

    The filters may change the size, the format or the number of frames (``fps``,
    ``select``); frames still held at the end of the stream come out on :meth:`flush`.

    Example: ``mstg run -i in.mp4 -t "ffmpeg:vf=hflip,hue=s=0" -o out.mp4``
    """

    name = "ffmpeg"
    summary = "Any FFmpeg filter chain: vf=... for video, af=... for audio."
    kind = "video/audio"  # each instance says which: see __post_init__
    pixel_format = None
    sample_format = None  # type: ignore[assignment]  # the bridge reads the frame itself
    #: Parameters whose value is the rest of the -t string (filter graphs contain commas).
    verbatim_params: ClassVar[tuple[str, ...]] = ("vf", "af")
    #: The frames returned carry the filter's own timestamps and durations (a filter may
    #: delay frames, as ``fps`` does); a chain that honours this flag keeps them.
    keeps_timing: ClassVar[bool] = True

    vf: str = field(default="", metadata={"help": "Video filter chain, as ffmpeg -vf takes it."})
    af: str = field(default="", metadata={"help": "Audio filter chain, as ffmpeg -af takes it."})

    def __post_init__(self) -> None:
        validate_params(self)
        if bool(self.vf) == bool(self.af):
            raise ValueError("give exactly one of vf=FILTERS (video) or af=FILTERS (audio), "
                             "e.g. -t \"ffmpeg:vf=hflip\"")
        self.kind = "video" if self.vf else "audio"  # type: ignore[misc]
        self.graph_text = self.vf or self.af
        self.filters = parse_chain(self.graph_text)
        self._graph: Any = None
        self._source: Any = None
        self._sink: Any = None
        self._key: tuple[Any, ...] | None = None
        self._check()

    # setting up ---------------------------------------------------------------------------
    def _check(self) -> None:
        """Unknown filters or options fail now; an audio chain given as vf= (or the reverse)
        is caught when a trial graph of the other kind configures and one of this kind does not."""
        import av

        for name, args in self.filters:
            try:
                av.filter.Filter(name.partition("@")[0])
            except ValueError:
                raise ValueError(f"FFmpeg has no filter '{name}'") from None
            why = _logged(partial(av.filter.Graph().add, name.partition("@")[0], args))
            if why is not None:
                raise ValueError(f"filter '{name}' does not take {args!r}: {why}")
        if self._trial(self.kind) is None:
            return
        other = "audio" if self.kind == "video" else "video"
        if self._trial(other) is None:
            flag, right = ("vf", "af") if self.kind == "video" else ("af", "vf")
            raise ValueError(f"{self.graph_text!r} filters {other}: use {right}= instead of {flag}=")

    def _trial(self, kind: str) -> str | None:
        """None if the chain configures for a small sample of ``kind``, else why not."""
        import av

        template: Any
        if kind == "video":
            template = av.VideoFrame(320, 240, "yuv420p")
        else:
            template = av.AudioFrame(format="fltp", layout="stereo", samples=1024)
            template.sample_rate = 48000
        try:
            self._build(template, kind)
        except (av.error.FFmpegError, ValueError) as exc:
            return str(exc)
        finally:
            self._graph = self._source = self._sink = None
            self._key = None
        return None

    def _build(self, template: Any, kind: str) -> None:
        import av

        graph = av.filter.Graph()
        if kind == "video":
            source = graph.add_buffer(width=template.width, height=template.height,
                                      format=template.format.name, time_base=Fraction(1, US))
            sink_name = "buffersink"
        else:
            source = graph.add_abuffer(sample_rate=template.sample_rate,
                                       format=template.format.name,
                                       layout=template.layout.name,
                                       time_base=Fraction(1, template.sample_rate))
            sink_name = "abuffersink"
        nodes = [source]
        for name, args in self.filters:
            filter_name, _, label = name.partition("@")
            nodes.append(graph.add(filter_name, args, **({"name": label} if label else {})))
        sink = graph.add(sink_name)
        graph.link_nodes(*nodes, sink)
        graph.configure()
        self._graph, self._source, self._sink = graph, source, sink

    def _configure(self, av_frame: Any) -> None:
        import av

        try:
            self._build(av_frame, self.kind)
        except (av.error.FFmpegError, ValueError) as exc:
            raise ValueError(f"filter chain {self.graph_text!r} cannot take "
                             f"{_describe(av_frame)}: {self._explain(av_frame) or exc}") from exc

    def _explain(self, template: Any) -> str | None:
        """FFmpeg's own words on why the graph does not configure."""
        try:
            return _logged(lambda: self._build(template, self.kind))
        finally:
            self._graph = self._source = self._sink = None

    def setup(self, settings: dict[str, Any]) -> None:
        """Write the size (or rate and channels) the chain gives out, for the transforms after."""
        import av

        template = _template(self.kind, settings)
        if template is None:
            return
        try:
            self._build(template, self.kind)
            template.pts, template.time_base = 0, self._source_time_base(template)
            if self.kind == "video":
                template.duration = US  # one second: frame-rate filters make at least one
            self._source.push(template)
            made = self._drain(end=True)
        except (av.error.FFmpegError, ValueError):
            return  # the first frame will say what is wrong
        finally:
            self._graph = self._source = self._sink = None
            self._key = None
        if made and isinstance(made[0], VideoFrame):
            settings["width"], settings["height"] = made[0].width, made[0].height
        elif made and isinstance(made[0], AudioData):
            settings["sample_rate"] = made[0].sample_rate
            settings["channel_count"] = made[0].number_of_channels

    @staticmethod
    def _source_time_base(template: Any) -> Fraction:
        return Fraction(1, US) if hasattr(template, "width") else Fraction(1, template.sample_rate)

    # running ------------------------------------------------------------------------------
    def process(self, data: Any, frame: Frame) -> Any:
        av_frame = frame.to_av()
        key = _key(av_frame)
        held: list[Frame] = []
        if key != self._key:
            if self._graph is not None:
                held = self._drain(end=True)  # the format changed: finish the old graph
            self._configure(av_frame)
            self._key = key
        if isinstance(frame, VideoFrame):
            av_frame.pts, av_frame.time_base = frame.timestamp, Fraction(1, US)
            if frame.duration:  # the end of the last frame: where fps & co. stop at the end
                av_frame.duration = frame.duration
        else:
            rate = frame.sample_rate
            av_frame.pts, av_frame.time_base = (frame.timestamp * rate + US // 2) // US, Fraction(1, rate)
        self._source.push(av_frame)
        out = held + self._drain(end=False)
        if not out:
            return None
        return out[0] if len(out) == 1 else out

    def flush(self) -> list[Any]:
        if self._graph is None:
            return []
        out = self._drain(end=True)
        self._graph = self._source = self._sink = None
        self._key = None
        return out

    def _drain(self, *, end: bool) -> list[Frame]:
        import av

        if end:
            self._source.push(None)
        out: list[Frame] = []
        while True:
            try:
                made = self._sink.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return out
            out.append(_wrap(made))


def _wrap(made: Any) -> Frame:
    """A PyAV frame from the sink as an mstg frame (the chain sets the final timing)."""
    timestamp = int(made.pts * made.time_base * US) if made.pts is not None and made.time_base else 0
    if hasattr(made, "width"):
        duration = getattr(made, "duration", None)
        duration_us = int(duration * made.time_base * US) if duration and made.time_base else None
        return VideoFrame.from_av(made, timestamp=timestamp, duration=duration_us)
    return AudioData.from_av(made, timestamp=timestamp)


def _template(kind: str, settings: dict[str, Any]) -> Any:
    """A blank PyAV frame shaped like the track's settings, or None if they are unknown."""
    import av

    if kind == "video":
        width, height = settings.get("width"), settings.get("height")
        if not width or not height:
            return None
        frame = av.VideoFrame(int(width), int(height), "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        return frame
    rate, channels = settings.get("sample_rate"), settings.get("channel_count")
    if not rate or not channels:
        return None
    frame = av.AudioFrame(format="fltp", layout=f"{int(channels)}c", samples=1024)
    frame.sample_rate = int(rate)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    return frame


def _key(av_frame: Any) -> tuple[Any, ...]:
    if hasattr(av_frame, "width"):
        return ("video", av_frame.width, av_frame.height, av_frame.format.name)
    return ("audio", av_frame.sample_rate, av_frame.format.name, av_frame.layout.name)


def _describe(av_frame: Any) -> str:
    if hasattr(av_frame, "width"):
        return f"{av_frame.width}x{av_frame.height} {av_frame.format.name} video"
    return f"{av_frame.sample_rate} Hz {av_frame.layout.name} {av_frame.format.name} audio"


def _logged(action: Callable[[], Any]) -> str | None:
    """None if ``action`` works, else FFmpeg's logged reason (logging is on only meanwhile)."""
    import av
    import av.logging

    try:
        action()
        return None
    except (av.error.FFmpegError, ValueError) as exc:
        error: BaseException = exc
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture() as logs:
            try:
                action()
            except (av.error.FFmpegError, ValueError):
                pass
    finally:
        av.logging.set_level(previous)
    lines = [str(message).strip() for _, _, message in logs if str(message).strip()]
    return "; ".join(lines[:2]) or getattr(error, "strerror", None) or str(error)
