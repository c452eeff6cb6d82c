"""Decoded pictures are let go as soon as the run is done with them.

A PyAV frame whose side data has been read sits in a reference cycle that only the cyclic
garbage collector frees; read on every frame, a 720p file once held ~200 decoded pictures
(300 MB) at a time. With the collector off, the count of live decoded frames must stay at
the pipeline's buffer depths, whatever the length of the file.
"""

from __future__ import annotations

import gc

import av

from mstg.inputs import open_input
from mstg.outputs import open_output
from mstg.pipeline import Pipeline
from mstg.transforms.base import FunctionTransform

from helpers import make_clip


def test_decoded_frames_do_not_pile_up(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=6.0, size=(160, 120), fps=25, audio=False)
    alive: list[int] = []

    def count(data, frame):
        if frame.index % 10 == 0:
            alive.append(sum(1 for o in gc.get_objects() if isinstance(o, av.VideoFrame)))
        return data

    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        Pipeline([open_input(str(clip))], [open_output("null")],
                 transforms=[FunctionTransform(count, pixel_format=None)]).run()
    finally:
        if was_enabled:
            gc.enable()
    assert len(alive) == 15  # every 10th of 150 frames was seen
    assert max(alive) <= 30, alive  # buffers hold a handful; a leak grows to ~150
