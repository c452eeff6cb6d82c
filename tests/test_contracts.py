"""Components' contracts are declared: the pipeline probes and writes no attribute of an input,
an output or a transform; what it gives them arrives in one context at start."""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import ROOT
from mstg import Input, Output, Pipeline, Transform, open_input, open_output
from mstg.chain import TransformChain
from mstg.context import RunContext
from mstg.frames import VideoFrame


def test_the_pipeline_probes_no_attribute() -> None:
    tree = ast.parse((ROOT / "mstg" / "pipeline.py").read_text(encoding="utf-8"))
    calls = {node.func.id for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not calls & {"getattr", "hasattr", "setattr"}


def test_input_and_output_are_abstract() -> None:
    with pytest.raises(TypeError):
        Output()  # type: ignore[abstract]
    with pytest.raises(TypeError):
        Input("x")  # type: ignore[abstract]


def test_a_run_writes_no_attribute_onto_its_components(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = open_input("testsrc", duration=0.2)
    outputs = [open_output("null"), open_output(str(tmp_path / "a.mkv"))]
    before = [set(vars(c)) for c in (source, *outputs)]
    stats = Pipeline([source], outputs).run()
    assert stats.frames_out["video"] == 5
    assert [set(vars(c)) for c in (source, *outputs)] == before


def test_outputs_fed_the_same_frames_share_one_lock_and_the_run_failure() -> None:
    outputs = [open_output("null"), open_output("null")]
    Pipeline([open_input("testsrc", duration=0.1)], outputs).run()
    first, second = (out.context for out in outputs)
    assert isinstance(first, RunContext) and first.lock is second.lock
    assert first.failed is second.failed and not first.failed.is_set()


@dataclass
class Spots(Transform):
    name = "spots-example"
    kind = "video"
    pixel_format = "gray"

    def process(self, pixels: np.ndarray, frame: VideoFrame) -> np.ndarray:
        self.emit({"mean": float(pixels.mean())})
        return pixels


def test_one_transform_object_serves_two_chains() -> None:
    shared = Spots()
    before = dict(vars(shared))
    seen: dict[str, list[float]] = {"a": [], "b": []}
    chains = {k: TransformChain([shared], on_event=lambda e, k=k: seen[k].append(e["mean"])) for k in seen}

    def feed(key: str, value: int) -> None:
        for i in range(20):
            frame = VideoFrame.from_ndarray(np.full((8, 8), value, np.uint8), format="gray", timestamp=i * 40_000)
            for out in chains[key].push(frame):
                out.close()

    threads = [threading.Thread(target=feed, args=(k, v)) for k, v in (("a", 10), ("b", 200))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == {"a": [10.0] * 20, "b": [200.0] * 20}
    assert vars(shared) == before
