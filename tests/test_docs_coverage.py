"""Every built-in transform is documented and tested (as datasette checks its plugin hooks):
a new built-in without a docs row, a parameter the docs leave out, or no test naming it fails
here."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from mstg.transforms.registry import BUILTINS, describe_transform

DOCS = ROOT / "docs"
TESTS = ROOT / "tests"
#: Where each built-in is described (the default: a row of the tables in docs/transforms.md).
PAGES = {"barcode": DOCS / "barcode.md"}


def docs_of(name: str) -> str:
    """The part of the docs that describes ``name``: its table row, or its page or section."""
    if name in PAGES:
        return PAGES[name].read_text(encoding="utf-8")
    text = (DOCS / "transforms.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
    if rows:
        return rows[0]
    section = re.search(rf"^## [^\n]*\b{name}\b[^\n]*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S | re.I)
    if section:
        return section.group(0)
    mention = re.search(rf"^`{name}` .*$", text, flags=re.M)  # a sentence of its own
    return mention.group(0) if mention else ""


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_is_described_by_itself(name: str) -> None:
    info = describe_transform(name)
    assert info["summary"] and info["doc"] and info["example"].startswith("mstg run ")
    for param in info["parameters"]:
        assert param["help"], f"{name}: parameter {param['name']} has no help text"


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_and_its_parameters_are_in_the_docs(name: str) -> None:
    described = docs_of(name)
    assert described, f"{name} is not in docs/transforms.md (nor on a page of its own)"
    for param in describe_transform(name)["parameters"]:
        assert f"`{param['name']}`" in described or f"{param['name']}=" in described, \
            f"{name}: the docs leave out the parameter {param['name']}"


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_is_named_by_a_test(name: str) -> None:
    class_name = BUILTINS[name].rsplit(":", 1)[1]
    pattern = re.compile(rf"\b{class_name}\(|[\"']{name}[\"':]|-t {name}\b|[\"']{name}:")
    users = [path.name for path in TESTS.rglob("test_*.py")
             if path.name != "test_docs_coverage.py" and pattern.search(path.read_text(encoding="utf-8"))]
    assert users, f"no test uses the {name} transform"
