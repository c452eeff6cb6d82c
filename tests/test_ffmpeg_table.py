"""docs/ffmpeg.md: every row of the FFmpeg -> mstg table names flags and commands that exist."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_mstg

TABLE = ROOT / "docs" / "ffmpeg.md"


def rows() -> list[tuple[str, str]]:
    out = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0] != "FFmpeg":
            out.append((cells[0], cells[1]))
    return out


def run_help() -> str:
    return run_mstg("run", "--help").stdout.decode()


HELP: dict[str, str] = {}


def flags_in(cell: str) -> list[str]:
    code = " ".join(re.findall(r"`([^`]*)`", cell))
    return re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", code)


def test_the_table_is_there() -> None:
    assert len(rows()) >= 40


@pytest.mark.parametrize("ffmpeg,mstg", rows(), ids=[r[0] for r in rows()])
def test_each_row_names_real_flags(ffmpeg: str, mstg: str) -> None:
    if "help" not in HELP:
        HELP["help"] = run_help()
    code = " ".join(re.findall(r"`([^`]*)`", mstg))
    commands = re.match(r"mstg (\w+)", code)
    if commands:  # a command of its own: it answers --help
        assert run_mstg(commands.group(1), "--help").returncode == 0
        return
    flags = flags_in(mstg)
    if not flags:
        assert mstg.startswith("(the default") or mstg.startswith("`-o ") or mstg.startswith("`-t "), mstg
        return
    for flag in flags:
        assert re.search(rf"(?<![\w-]){re.escape(flag)}[ ,/\n]", HELP["help"]), f"{flag} is not a flag of mstg run"
