"""The built-in video transforms, on real pixels, through the transform chain.

Every transform runs on frames of two origins: a numpy array (``array``) and a frame decoded
by PyAV from a lossless FFV1 stream (``decoded``, which exercises the zero-copy Y plane and the
I420 paths). Pixels are checked in the Y plane or in BGR with a small tolerance for the 4:2:0
chroma subsampling.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from conftest import run_mstg
from mstg.chain import TransformChain
from mstg.frames import VideoFrame
from mstg.transforms.detect import FaceBlur, Motion, default_cascade
from mstg.transforms.overlay import Text
from mstg.transforms.registry import load_transform
from mstg.transforms.video import (Blur, Color, Crop, Edges, Flip, Grayscale, Invert, Pad, Pixelate,
                                   Resize, Rotate, Sharpen)

SOURCES = ("array", "decoded")
BRIGHT = 128  # a Y value above this is the white patch, below it the black background


def decoded(bgr: np.ndarray, index: int = 0) -> VideoFrame:
    """``bgr`` encoded losslessly (FFV1, yuv420p) and decoded again by PyAV."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="nut") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = bgr.shape[1], bgr.shape[0], "yuv420p"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(bgr, format="bgr24")))
        container.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer) as container:
        frame = next(container.decode(video=0))
    return VideoFrame.from_av(frame, timestamp=index * 40_000, duration=40_000, index=index)


def make_frame(bgr: np.ndarray, source: str, index: int = 0) -> VideoFrame:
    if source == "decoded":
        return decoded(bgr, index)
    return VideoFrame.from_ndarray(bgr.copy(), format="bgr24", timestamp=index * 40_000,
                                   duration=40_000, index=index)


def run(transform, bgr: np.ndarray, source: str = "array", index: int = 0, events: list | None = None) -> VideoFrame:
    """Push one frame through a chain holding ``transform``; the single frame that comes out."""
    chain = TransformChain([transform], on_event=None if events is None else events.append)
    chain.setup({"width": bgr.shape[1], "height": bgr.shape[0]})
    [out] = chain.push(make_frame(bgr, source, index))
    return out


def patch_picture(width: int, height: int, x: int, y: int, size: int = 2) -> np.ndarray:
    """Black, with a white ``size`` x ``size`` square at (x, y)."""
    bgr = np.zeros((height, width, 3), np.uint8)
    bgr[y: y + size, x: x + size] = 255
    return bgr


def bright(frame: VideoFrame) -> set[tuple[int, int]]:
    """(x, y) of every bright pixel of the frame's luma."""
    ys, xs = np.nonzero(frame.to_ndarray("gray") > BRIGHT)
    return set(zip(xs.tolist(), ys.tolist()))


def square(x: int, y: int, size: int = 2) -> set[tuple[int, int]]:
    return {(x + i, y + j) for i in range(size) for j in range(size)}


def colourful(width: int = 64, height: int = 48) -> np.ndarray:
    bgr = np.zeros((height, width, 3), np.uint8)
    bgr[:, : width // 3] = (0, 0, 220)
    bgr[:, width // 3: 2 * width // 3] = (0, 200, 0)
    bgr[:, 2 * width // 3:] = (230, 20, 10)
    bgr[height // 2:] //= 2
    return bgr


# colour ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", SOURCES)
def test_grayscale_gives_equal_channels(source: str) -> None:
    out = run(Grayscale(), colourful(), source)
    assert out.format == ("yuv420p" if source == "decoded" else "gray")  # decoded: Y kept, no conversion
    bgr = out.to_ndarray("bgr24").astype(int)
    assert np.array_equal(bgr[..., 0], bgr[..., 1]) and np.array_equal(bgr[..., 1], bgr[..., 2])
    assert bgr[0, 32, 0] > bgr[0, 5, 0] > bgr[0, 60, 0]  # green is lighter than red, red than blue


@pytest.mark.parametrize("source", SOURCES)
def test_invert_maps_black_to_white_and_white_to_black(source: str) -> None:
    bgr = np.zeros((24, 32, 3), np.uint8)
    bgr[:, 16:] = 255
    out = run(Invert(), bgr, source).to_ndarray("bgr24").astype(int)
    assert np.all(out[:, :14] >= 252)
    assert np.all(out[:, 18:] <= 3)


@pytest.mark.parametrize("source", SOURCES)
def test_color_brightness_raises_the_mean(source: str) -> None:
    picture = colourful()
    before = run(Color(), picture, source).to_ndarray("bgr24").mean()
    after = run(Color(brightness=0.2), picture, source).to_ndarray("bgr24").mean()
    assert after > before + 20


@pytest.mark.parametrize("source", SOURCES)
def test_color_saturation_zero_gives_equal_channels(source: str) -> None:
    out = run(Color(saturation=0), colourful(), source).to_ndarray("bgr24").astype(int)
    assert np.abs(out[..., 0] - out[..., 1]).max() <= 1
    assert np.abs(out[..., 1] - out[..., 2]).max() <= 1


def test_color_on_an_odd_sized_frame_uses_bgr() -> None:
    transform = Color(contrast=0.0, saturation=0.0)
    out = run(transform, colourful(63, 47))
    assert out.format == "bgr24"
    assert (out.width, out.height) == (63, 47)
    assert np.ptp(out.to_ndarray("gray")) <= 2  # no contrast left: one flat grey


# filters --------------------------------------------------------------------------------------
def checkerboard(width: int = 64, height: int = 48, cell: int = 4) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    board = (((xs // cell) + (ys // cell)) % 2 * 200 + 28).astype(np.uint8)
    return np.repeat(board[..., None], 3, axis=2)


@pytest.mark.parametrize("source", SOURCES)
def test_blur_lowers_the_variance_and_keeps_the_mean(source: str) -> None:
    board = checkerboard()
    sharp = run(Color(), board, source).to_ndarray("gray").astype(float)  # same I420 path, unchanged
    soft = run(Blur(sigma=3), board, source).to_ndarray("gray").astype(float)
    assert soft.var() < sharp.var() * 0.1
    assert abs(soft.mean() - sharp.mean()) < 2


def test_blur_on_an_odd_sized_frame_falls_back_to_bgr() -> None:
    transform = Blur(sigma=3)
    out = run(transform, checkerboard(63, 47))
    assert out.format == "bgr24"
    assert out.to_ndarray("bgr24").astype(float).var() < checkerboard(63, 47).astype(float).var() * 0.1


@pytest.mark.parametrize("source", SOURCES)
def test_sharpen_raises_the_contrast_of_an_edge(source: str) -> None:
    bgr = np.full((24, 32, 3), 100, np.uint8)
    bgr[:, 16:] = 150
    out = run(Sharpen(amount=2), bgr, source).to_ndarray("gray").astype(int)
    plain = run(Sharpen(amount=0), bgr, source).to_ndarray("gray").astype(int)
    assert out[12, 15] < plain[12, 15] - 10 and out[12, 16] > plain[12, 16] + 10
    assert out[12, 2] == plain[12, 2] and out[12, 30] == plain[12, 30]  # flat areas stay


@pytest.mark.parametrize("source", SOURCES)
def test_edges_are_bright_on_a_step_and_dark_on_flat_areas(source: str) -> None:
    bgr = np.full((48, 64, 3), 30, np.uint8)
    bgr[:, 32:] = 220
    out = run(Edges(), bgr, source)
    assert out.format == "gray"
    gray = out.to_ndarray("gray")
    assert np.all(gray[4:-4, 30:34].max(axis=1) == 255)  # every row has an edge pixel at the step
    assert not gray[:, :28].any() and not gray[:, 37:].any()


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("block", [8, 5])
def test_pixelate_gives_constant_blocks(source: str, block: int) -> None:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    out = run(Pixelate(block=block), noise, source)
    gray = out.to_ndarray("gray").astype(int)
    for top in range(0, 48, block):
        for left in range(0, 64, block):
            cell = gray[top: top + block, left: left + block]
            assert np.ptp(cell) <= 1, (top, left)
    assert np.ptp(gray) > 20  # blocks differ: the picture was not flattened


# geometry -------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("direction", "where"), [("horizontal", (26, 2)), ("vertical", (4, 20)),
                                                  ("both", (26, 20))])
def test_flip_moves_a_pixel_to_its_mirror_place(source: str, direction: str, where: tuple[int, int]) -> None:
    out = run(Flip(direction=direction), patch_picture(32, 24, 4, 2), source)
    assert (out.width, out.height) == (32, 24)
    assert bright(out) == square(*where)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("angle", "size", "where"), [(90, (24, 32), (22, 0)), (180, (32, 24), (30, 22)),
                                                      (270, (24, 32), (0, 30)), (-90, (24, 32), (0, 30))])
def test_rotate_moves_the_corner_and_swaps_the_sides(source: str, angle: int, size: tuple[int, int],
                                                     where: tuple[int, int]) -> None:
    out = run(Rotate(angle=angle), patch_picture(32, 24, 0, 0), source)
    assert (out.width, out.height) == size
    assert bright(out) == square(*where)


def test_rotate_by_any_angle_keeps_the_size_or_expands() -> None:
    white = np.full((48, 64, 3), 255, np.uint8)
    kept = run(Rotate(angle=45, color="red"), white).to_ndarray("bgr24").astype(int)
    assert kept.shape == (48, 64, 3)
    assert kept[24, 32].min() > 240  # the centre stays
    assert kept[1, 1, 2] > 200 and kept[1, 1, 0] < 40  # a corner shows the red fill
    grown = run(Rotate(angle=45, expand=True), white)
    assert (grown.width, grown.height) == (80, 80)  # 64 cos 45 + 48 sin 45 = 79.2, to even
    assert grown.to_ndarray("gray")[40, 40] > 200


@pytest.mark.parametrize("source", SOURCES)
def test_crop_gives_the_size_and_keeps_a_pixel_in_place(source: str) -> None:
    out = run(Crop(x=16, y=8, width=32, height=24), patch_picture(64, 48, 20, 10), source)
    assert (out.width, out.height) == (32, 24)
    assert bright(out) == square(4, 2)


def test_crop_at_odd_offsets_is_exact() -> None:
    transform = Crop(x=3, y=5, width=21, height=11)
    out = run(transform, patch_picture(64, 48, 7, 9, size=1), "decoded")
    assert out.format == "bgr24"
    assert (out.width, out.height) == (21, 11)
    assert bright(out) == {(4, 4)}


def test_crop_that_does_not_fit_says_so() -> None:
    with pytest.raises(Exception, match="does not fit in the 64x48 picture"):
        run(Crop(x=40, width=32), patch_picture(64, 48, 0, 0))


@pytest.mark.parametrize("source", SOURCES)
def test_pad_gives_the_size_and_moves_the_picture(source: str) -> None:
    out = run(Pad(width=80, height=64, x=8, y=10, color="blue"), patch_picture(64, 48, 20, 10), source)
    assert (out.width, out.height) == (80, 64)
    assert bright(out) == square(28, 20)
    border = out.to_ndarray("bgr24")[2, 2].astype(int)
    assert border[0] > 200 and border[1] < 40 and border[2] < 40


def test_pad_centres_by_default() -> None:
    out = run(Pad(width=96, height=64), np.full((48, 64, 3), 255, np.uint8))
    gray = out.to_ndarray("gray")
    ys, xs = np.nonzero(gray > BRIGHT)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (16, 79, 8, 55)


@pytest.mark.parametrize("source", SOURCES)
def test_resize_gives_the_size_and_keeps_a_pixel_in_place(source: str) -> None:
    out = run(Resize(width=32, interpolation="area"), patch_picture(64, 48, 16, 8, size=4), source)
    assert (out.width, out.height) == (32, 24)  # -1 kept the aspect ratio
    assert bright(out) == square(8, 4)


def test_resize_by_height_and_to_an_exact_size() -> None:
    picture = patch_picture(64, 48, 0, 0)
    assert (run(Resize(height=96), picture).width, run(Resize(height=96), picture).height) == (128, 96)
    out = run(Resize(width=100, height=30), picture)
    assert (out.width, out.height) == (100, 30)


def test_odd_sized_decoded_video_from_the_testdata(testdata: Path) -> None:
    """A real 161x121 VP9 file: the planar transforms fall back to BGR, the grey ones read Y."""
    with av.open(str(testdata / "media" / "bear-vp9-odd-dimensions.webm")) as container:
        raw = [f for _, f in zip(range(3), container.decode(video=0))]
    size = {"width": raw[0].width, "height": raw[0].height}
    assert (size["width"] % 2, size["height"] % 2) == (1, 1)
    chain = TransformChain([Blur(sigma=3), Text(text="{frame}"), Rotate(angle=90)])
    edges = TransformChain([Edges()])
    chain.setup(size)
    edges.setup(size)
    for i, picture in enumerate(raw):
        original = picture.to_ndarray(format="gray").astype(float)
        [out] = chain.push(VideoFrame.from_av(picture, timestamp=i * 33_367, index=i))
        assert (out.width, out.height) == (121, 161)
        assert out.to_ndarray("gray").astype(float).var() < original.var()
        [lines] = edges.push(VideoFrame.from_av(picture, timestamp=i * 33_367, index=i))
        assert lines.format == "gray" and 0 < np.count_nonzero(lines.to_ndarray("gray")) < lines.width * lines.height / 4


# overlay --------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", SOURCES)
def test_text_changes_its_box_only_and_shows_the_frame_number(source: str) -> None:
    grey = np.full((96, 128, 3), 90, np.uint8)
    plain = run(Color(), grey, source).to_ndarray("gray").astype(int)  # same I420 path, no text
    one = run(Text(text="{frame}", position="top-left", box=False), grey, source, index=1)
    seven = run(Text(text="{frame}", position="top-left", box=False), grey, source, index=7)
    changed = np.argwhere(one.to_ndarray("gray").astype(int) != plain)
    assert len(changed) > 10
    assert changed[:, 0].max() < 48 and changed[:, 1].max() < 64  # all in the top-left quarter
    assert not np.array_equal(one.to_ndarray("gray"), seven.to_ndarray("gray"))


def test_text_box_and_size_follow_the_frame_height() -> None:
    small = run(Text(text="00:00", box_opacity=1.0), np.full((240, 320, 3), 200, np.uint8))
    large = run(Text(text="00:00", box_opacity=1.0), np.full((960, 1280, 3), 200, np.uint8))
    dark_small = np.argwhere(small.to_ndarray("gray") < 60)
    dark_large = np.argwhere(large.to_ndarray("gray") < 60)
    height_small = np.ptp(dark_small[:, 0]) + 1
    height_large = np.ptp(dark_large[:, 0]) + 1
    assert 3.5 < height_large / height_small < 4.5


def test_text_fields_and_unknown_fields() -> None:
    frame = VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), timestamp=1_533_000, index=46)
    label = Text(text="{timestamp} {pts} {frame} {width}x{height} {timestamp:.1f}").label(frame)
    assert label == "1.533 1533000 46 64x48 1.5"
    with pytest.raises(ValueError, match="unknown field"):
        Text(text="{nope}")


# detection ------------------------------------------------------------------------------------
def _face_model_available() -> bool:
    try:
        default_cascade()
    except ValueError:
        return False
    return True


def test_faceblur_without_a_bundled_cascade_says_what_to_give() -> None:
    if _face_model_available():
        pytest.skip("this OpenCV bundles the Haar face cascade")
    with pytest.raises(ValueError, match="model=PATH"):
        FaceBlur()


def test_faceblur_with_a_missing_model_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        FaceBlur(model=str(tmp_path / "faces.onnx"))


@pytest.mark.parametrize("mode", ["blur", "pixelate"])
def test_faceblur_hides_the_region_it_is_given(mode: str) -> None:
    from mstg.transforms.detect import conceal

    board = checkerboard(64, 48, cell=1)
    i420 = cv2.cvtColor(board, cv2.COLOR_BGR2YUV_I420)
    conceal(i420, [(16, 12, 16, 16)], mode=mode, margin=0.0)
    luma = i420[:48].astype(float)
    original = cv2.cvtColor(board, cv2.COLOR_BGR2GRAY).astype(float)
    assert luma[12:28, 16:32].var() < original[12:28, 16:32].var() * 0.5
    assert np.abs(luma[:, 40:] - cv2.cvtColor(board, cv2.COLOR_BGR2YUV_I420)[:48, 40:]).max() == 0


def test_faceblur_reports_no_face_on_a_flat_frame() -> None:
    if not _face_model_available():
        pytest.skip(f"OpenCV {cv2.__version__} has no bundled face model to detect with")
    events: list = []
    out = run(FaceBlur(), np.full((240, 320, 3), 128, np.uint8), events=events)
    assert events == []
    assert np.all(out.to_ndarray("gray") == run(Grayscale(), np.full((240, 320, 3), 128, np.uint8)).to_ndarray("gray"))


def moving_square(frames: int, *, start: int = 4, step: int = 3, size: int = 16) -> list[np.ndarray]:
    """A grey 160x120 scene; from frame ``start`` a white square moves right by ``step`` pixels."""
    pictures = []
    for i in range(frames):
        bgr = np.full((120, 160, 3), 70, np.uint8)
        if i >= start:
            x = 20 + step * (i - start)
            bgr[50: 50 + size, x: x + size] = 230
        pictures.append(bgr)
    return pictures


def run_many(transform, pictures: list[np.ndarray], source: str = "array") -> tuple[list[VideoFrame], list[dict]]:
    events: list[dict] = []
    chain = TransformChain([transform], on_event=events.append)
    chain.setup({"width": pictures[0].shape[1], "height": pictures[0].shape[0]})
    outs = [out for i, p in enumerate(pictures) for out in chain.push(make_frame(p, source, i))]
    return outs, events


@pytest.mark.parametrize("source", SOURCES)
def test_motion_reports_a_moving_square(source: str) -> None:
    _outs, events = run_many(Motion(), moving_square(10), source)
    assert [e["frame"] for e in events] == list(range(4, 10))
    last = events[-1]
    assert last["type"] == "motion" and len(last["regions"]) == 1
    box = last["regions"][0]
    x = 20 + 3 * 5
    assert abs(box["x"] - x) <= 2 and abs(box["y"] - 50) <= 2
    assert abs(box["width"] - 16) <= 3 and abs(box["height"] - 16) <= 3
    assert last["fraction"] == pytest.approx(16 * 16 / (160 * 120), rel=0.3)


def test_motion_by_frame_difference_reports_the_square_edges() -> None:
    _outs, events = run_many(Motion(method="diff"), moving_square(8))
    regions = events[-1]["regions"]
    left = min(r["x"] for r in regions)
    right = max(r["x"] + r["width"] for r in regions)
    assert abs(left - (20 + 3 * 2)) <= 2 and abs(right - (20 + 3 * 3 + 16)) <= 2


def test_motion_is_quiet_on_a_static_scene() -> None:
    outs, events = run_many(Motion(highlight=True), moving_square(8, start=99))
    assert events == []
    assert len(outs) == 8


def test_motion_highlight_outlines_the_region() -> None:
    outs, events = run_many(Motion(highlight=True, color="red"), moving_square(8))
    box = events[-1]["regions"][0]
    bgr = outs[-1].to_ndarray("bgr24").astype(int)
    edge = bgr[box["y"] + box["height"] // 2, box["x"]]
    assert edge[2] > 150 and edge[1] < 100  # red on the left side of the box
    assert np.abs(bgr[5, 5] - 70).max() <= 2  # far away: unchanged


# parameters -----------------------------------------------------------------------------------
def test_parameters_from_the_command_line_are_typed_and_checked() -> None:
    blur = load_transform("blur:sigma=3")
    assert isinstance(blur, Blur) and blur.sigma == 3.0
    assert load_transform("rotate:angle=90,expand=yes").expand is True
    with pytest.raises(ValueError, match="parameter 'sigma' expects a number"):
        Blur(sigma="soft")
    with pytest.raises(ValueError, match="'direction' must be one of horizontal, vertical, both"):
        Flip(direction="up")
    with pytest.raises(ValueError, match="low .* must not be above high"):
        Edges(low=200, high=100)
    with pytest.raises(ValueError, match="unknown colour"):
        Pad(color="purplish")


# end to end -----------------------------------------------------------------------------------
def _sharpness(luma: np.ndarray) -> float:
    return float(cv2.Laplacian(luma, cv2.CV_64F).var())


def test_cli_blur_then_grayscale(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.5", "-t", "blur:sigma=3", "-t", "grayscale",
                      "-o", str(out), "-y")
    assert result.returncode == 0, result.stderr.decode()
    with av.open("testsrc=duration=0.5", format="lavfi") as reference:
        first = next(reference.decode(video=0))
        rate = reference.streams.video[0].average_rate
        sharp = _sharpness(first.to_ndarray(format="gray"))
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    assert abs(len(frames) - round(0.5 * rate)) <= 1
    picture = frames[0]
    assert (picture.width, picture.height) == (first.width, first.height)
    chroma = np.concatenate([picture.to_ndarray(format="yuv420p")[picture.height:].ravel()]).astype(int)
    assert np.abs(chroma - 128).max() <= 2  # grey: no colour left
    assert _sharpness(picture.to_ndarray(format="gray")) < sharp * 0.2  # blurred


# the decoded frame's own planes, read in place --------------------------------------------------
PLANE_READERS = ["blur", "blur:sigma=5", "sharpen", "flip", "flip:direction=both", "rotate:angle=90",
                 "rotate:angle=180", "rotate:angle=33", "rotate:angle=33,expand=true", "rotate:angle=0",
                 "resize:width=160", "resize:width=500,height=200", "crop:x=10,y=20,width=100,height=60",
                 "pad:width=400,height=160,color=red", "pixelate", "pixelate:block=10", "invert",
                 "color:brightness=0.1,saturation=1.5", "color"]


@pytest.mark.parametrize("spec", PLANE_READERS)
def test_planes_read_in_place_give_the_picture_of_an_i420_copy(spec: str) -> None:
    """A decoded 330x120 frame (rows padded to 336 bytes): the transform that reads its planes
    in place makes exactly the picture it makes from an I420 array copy, and leaves the
    decoded frame as it was."""
    from mstg.transforms.registry import load_transform

    frame = decoded(colourful(330, 120))
    raw = frame.to_av()
    assert raw.planes[0].line_size > 330
    before = raw.to_ndarray().copy()  # the decoded planes
    copy = frame.to_ndarray("yuv420p").copy()
    frame._cache.clear()  # as decoded again: no I420 array yet
    transform = load_transform(spec)
    chain = TransformChain([transform])
    chain.setup({"width": 330, "height": 120})
    assert transform.reads_planes and transform.input_format is None  # the frame, no pixels
    [out] = chain.push(frame)
    expected = load_transform(spec).apply(copy)
    assert out.format == "yuv420p"
    assert np.array_equal(out.to_ndarray("yuv420p"), expected)
    if out is not frame:
        assert np.array_equal(raw.to_ndarray(), before)  # nothing written into the input
    else:
        assert spec in ("rotate:angle=0", "color")  # nothing to change: the frame goes on as it is


def test_bgr_pictures_keep_their_full_colour_resolution() -> None:
    """A BGR picture (the demo, images, a BGR transform) is not squeezed through I420 by a
    transform that can work on BGR: one-pixel red and blue columns stay red and blue."""
    stripes = np.zeros((48, 64, 3), np.uint8)
    stripes[:, 0::2] = (0, 0, 255)  # red
    stripes[:, 1::2] = (255, 0, 0)  # blue
    for transform in (Flip(), Crop(x=2, y=2, width=32, height=24), Pad(width=80, height=64)):
        out = run(transform, stripes)
        assert out.format == "bgr24"
        colours = {tuple(c) for c in out.to_ndarray("bgr24").reshape(-1, 3).tolist()}
        assert colours <= {(0, 0, 255), (255, 0, 0), (0, 0, 0)}, (transform.name, colours)


def test_a_size_that_turns_odd_mid_stream_is_drawn_on_in_bgr() -> None:
    """Image sequences may change size from picture to picture: text goes on drawing."""
    chain = TransformChain([Text(text="{frame}", box=True)])
    chain.setup({"width": 64, "height": 48})
    sizes = [(64, 48), (65, 49), (64, 48)]
    for i, (w, h) in enumerate(sizes):
        grey = decoded(np.full((h, w, 3), 90, np.uint8), i) if w % 2 == 0 else VideoFrame.from_ndarray(
            np.full((h, w, 3), 90, np.uint8), format="bgr24", timestamp=i * 40_000, index=i)
        [out] = chain.push(grey)
        assert (out.width, out.height) == (w, h)
        assert np.ptp(out.to_ndarray("gray")) > 50  # the label is there


@pytest.mark.parametrize("params", [dict(brightness=0.2), dict(gamma=2.0), dict(contrast=0.0),
                                    dict(saturation=1.8), dict(contrast=1.5, brightness=-0.1)])
def test_color_gives_the_same_picture_in_bgr_as_in_i420(params: dict) -> None:
    """Odd sizes (and BGR pictures) take the BGR path: it matches the I420 one."""
    picture = colourful(64, 48)
    via_i420 = run(Color(**params), picture, "decoded").to_ndarray("bgr24").astype(int)
    odd = np.ascontiguousarray(picture[:47, :63])
    via_bgr = run(Color(**params), odd).to_ndarray("bgr24").astype(int)
    assert np.abs(via_i420[:47, :63] - via_bgr).mean() < 4.5  # YUV rounding and 4:2:0 chroma apart


def test_grayscale_then_a_bgr_transform_keeps_black_black_and_white_white(tmp_path: Path) -> None:
    """Grey is full range wherever it goes: through a BGR plugin and back into video, black
    stays at luma 16 and white at 235 (not 30 and 218)."""
    from conftest import run_mstg

    clip = tmp_path / "bw.mkv"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(3):
            y = np.full((48, 64), 16, np.uint8)
            y[:, 32:] = 235
            frame = av.VideoFrame.from_ndarray(np.vstack([y, np.full((24, 64), 128, np.uint8)]), format="yuv420p")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    plugin = tmp_path / "ident.py"
    plugin.write_text("from dataclasses import dataclass\nfrom mstg import Transform\n\n@dataclass\n"
                      "class Ident(Transform):\n    name = 'ident'\n    pixel_format = 'bgr24'\n"
                      "    def process(self, pixels, frame):\n        return pixels.copy()\n")
    for chain in (["-t", "grayscale"], ["-t", "grayscale", "-t", f"{plugin}:Ident"],
                  ["-t", "grayscale", "-t", "pixelate:block=3"]):
        out = tmp_path / "out.mkv"
        result = run_mstg("run", "-y", "-i", str(clip), *chain, "-o", str(out), "--video-codec", "ffv1")
        assert result.returncode == 0, result.stderr.decode()
        with av.open(str(out)) as done:
            # FFV1 keeps a BGR plugin's pictures in RGB (bgr0, as FFmpeg): luma as a player sees it
            y = next(done.decode(video=0)).to_ndarray(format="yuv420p")[:48]
        assert abs(int(y[10, 5]) - 16) <= 1 and abs(int(y[10, 50]) - 235) <= 1, (chain, y[10, 5], y[10, 50])
