"""The examples in the package's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mstg

MODULES = sorted(m.name for m in pkgutil.walk_packages(mstg.__path__, "mstg.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    if name.startswith("mstg.webrtc."):  # needs the optional extra
        pytest.importorskip("aiortc", reason="the webrtc extra is not installed")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of the {result.attempted} examples in {name} failed"


def test_the_examples_are_not_all_skipped() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(name)).attempted for name in MODULES
                    if not name.startswith("mstg.webrtc."))
    assert attempted >= 25
