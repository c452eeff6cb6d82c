"""What ``pip install .`` ships: every subpackage of mstg (pyproject.toml lists them by hand)."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_every_subpackage_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "mstg").rglob("__init__.py")}
    assert found, "no package found"
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"
