"""The files of the pages mstg serves (``page/``: the camera page, the WHEP viewer, their style).

>>> "<video" in asset("index.html")
True
"""

from __future__ import annotations

from importlib import resources


def asset(name: str) -> str:
    """The text of one of the pages' files (``index.html``, ``app.js``, ``viewer.html`` ...)."""
    return resources.files(__package__).joinpath("page", name).read_text(encoding="utf-8")
