"""Third-party transforms: installed with pip the way a user installs one, then found through
the ``mstg.transforms`` entry points; broken and duplicate plugins; local ``file.py:Class``.

The wheel is written here from ``tests/transforms/plugin_pkg/pyproject.toml`` (a wheel is a zip with a
``.dist-info`` folder), so pip installs it offline even where setuptools cannot build wheels
(setuptools < 70.1 without the ``wheel`` package); then ``pip install --no-index --no-deps
--target`` installs it as it would any downloaded wheel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tomllib
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_mstg
from mstg.errors import TransformError, UsageError
from mstg.transforms.registry import (PluginWarning, Registry, catalogue, describe_transform,
                                      load_transform)

PLUGIN_PKG = Path(__file__).resolve().parent / "plugin_pkg"


def build_wheel(out_dir: Path, *, name: str | None = None,
                entry_points: dict[str, str] | None = None) -> Path:
    """A wheel of ``tests/transforms/plugin_pkg`` (optionally renamed, with other entry points)."""
    config = tomllib.loads((PLUGIN_PKG / "pyproject.toml").read_text())
    project = config["project"]
    name = name or project["name"]
    version = project["version"]
    eps = project["entry-points"]["mstg.transforms"] if entry_points is None else entry_points
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {f"{m}.py": (PLUGIN_PKG / f"{m}.py").read_bytes()
             for m in config["tool"]["setuptools"]["py-modules"]}
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 f"Summary: {project['description']}\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: mstg-tests\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = ("[mstg.transforms]\n" + "".join(
        f"{key} = {value}\n" for key, value in eps.items())).encode()
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    wheel = out_dir / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def pip_install(wheel: Path, target: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-compile",
         "--disable-pip-version-check", "--quiet", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="module")
def sepia_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/transforms/plugin_pkg installed with pip into a folder of its own."""
    root = tmp_path_factory.mktemp("sepia")
    return pip_install(build_wheel(root), root / "site")


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package whose entry points name a missing module and a malformed value."""
    root = tmp_path_factory.mktemp("broken")
    wheel = build_wheel(root, name="mstg-broken", entry_points={
        "vanished": "mstg_no_such_module:Thing", "shapeless": "mstg_sepia"})
    return pip_install(wheel, root / "site")


@pytest.fixture(scope="module")
def duplicate_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second package that also calls its transform 'sepia', and takes 'mute' from the built-ins."""
    root = tmp_path_factory.mktemp("dup")
    wheel = build_wheel(root, name="mstg-sepia-copy", entry_points={
        "sepia": "mstg_sepia:Sepia", "mute": "mstg_sepia:Sepia"})
    return pip_install(wheel, root / "site")


def env_for(*sites: Path, **extra: str) -> dict[str, str]:
    return {"PYTHONPATH": ":".join(str(s) for s in sites), **extra}


def decoded_rgb(path: Path) -> list[np.ndarray]:
    return [frame.to_ndarray(format="rgb24").astype(int) for _, frame in probe(path)["video"]]


def test_installed_plugin_is_listed_without_being_imported(sepia_site: Path, tmp_path: Path) -> None:
    log = tmp_path / "imports.log"
    result = run_mstg("transforms", env=env_for(sepia_site, MSTG_SEPIA_IMPORT_LOG=str(log)))
    assert result.returncode == 0, result.stderr
    line = next(r for r in result.stdout.decode().splitlines() if r.startswith("sepia "))
    assert "package mstg-sepia 0.1.0" in line and "Old-photo brown tones for mstg." in line
    assert not log.exists(), "listing imported the plugin"
    shown = run_mstg("transforms", "sepia", env=env_for(sepia_site, MSTG_SEPIA_IMPORT_LOG=str(log)))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout.decode()
    assert "strength (float, default 1.0, 0.0 to 1.0)" in text
    assert 'mstg run -i in.mp4 -t "sepia:strength=0.8" -o old.mp4' in text
    assert log.read_text() == "imported\n"


def test_installed_plugin_changes_the_pixels(sepia_site: Path, tmp_path: Path) -> None:
    out, plain = tmp_path / "out.mkv", tmp_path / "plain.mkv"
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.3", "-t", "sepia", "-o", str(out),
                      "-y", "-q", env=env_for(sepia_site))
    assert result.returncode == 0, result.stderr.decode()
    assert run_mstg("run", "-i", "testsrc", "--duration", "0.3", "-o", str(plain), "-y",
                    "-q").returncode == 0
    before, after = decoded_rgb(plain), decoded_rgb(out)
    assert len(after) == len(before) > 0
    blue = before[0][..., 2] > before[0][..., 0] + 60  # testsrc has clearly blue areas
    assert blue.mean() > 0.05
    # Sepia makes red >= green >= blue everywhere (a little slack for the lossy encoder).
    red, green, blue_out = after[0][..., 0], after[0][..., 1], after[0][..., 2]
    assert (red >= green - 12).mean() > 0.99 and (green >= blue_out - 12).mean() > 0.99
    assert (red[blue] > blue_out[blue]).mean() > 0.95


def test_plugin_parameters_are_validated_like_builtins(sepia_site: Path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "sepia:strenght=1",
                      "-o", "null", env=env_for(sepia_site))
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "error: transform 'sepia': unknown parameter 'strenght' (did you mean 'strength'?)")


def test_library_lists_entry_points_without_importing(sepia_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(sepia_site))
    monkeypatch.delitem(sys.modules, "mstg_sepia", raising=False)
    registry = Registry.discover(check=True)
    assert [e.source for e in registry.entries("sepia")] == ["package mstg-sepia 0.1.0"]
    assert registry.problems == []
    assert "mstg_sepia" not in sys.modules
    assert load_transform("sepia", {"strength": "0.5"}).strength == 0.5
    sepia = load_transform("sepia:strength=1")
    assert type(sepia).__module__ == "mstg_sepia"
    pixel = np.array([[[255, 0, 0]]], np.uint8)  # pure blue (BGR)
    b, g, r = sepia.process(pixel, None)[0, 0].tolist()
    assert r > g > b


def test_broken_plugin_not_chosen_only_warns(sepia_site: Path, broken_site: Path, tmp_path: Path) -> None:
    env = env_for(sepia_site, broken_site)
    listing = run_mstg("transforms", env=env)
    assert listing.returncode == 0
    stderr = listing.stderr.decode()
    assert "warning: transform 'vanished' from package mstg-broken 0.1.0" in stderr
    assert "module 'mstg_no_such_module' is not installed" in stderr
    assert "warning: transform 'shapeless'" in stderr and "does not name a class" in stderr
    assert "Traceback" not in stderr
    assert any(r.startswith("sepia ") for r in listing.stdout.decode().splitlines())
    out = tmp_path / "out.mkv"
    run = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "sepia", "-o", str(out),
                   "-y", "-q", env=env)
    assert run.returncode == 0, run.stderr.decode()
    assert len(probe(out)["video"]) == 5


def test_broken_plugin_chosen_is_an_error_naming_it(broken_site: Path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "vanished", "-o", "null",
                      env=env_for(broken_site))
    assert result.returncode == 7
    lines = result.stderr.decode().strip().splitlines()
    assert lines == ["error: transform 'vanished' from package mstg-broken 0.1.0 "
                     "(mstg_no_such_module:Thing) cannot be loaded: ModuleNotFoundError: "
                     "No module named 'mstg_no_such_module'"]


def test_broken_plugin_warns_through_the_library(broken_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(broken_site))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = catalogue()
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert any("'vanished'" in m and "not installed" in m for m in messages)
    assert {"vanished", "shapeless", "gain"} <= {r["name"] for r in rows}
    with pytest.raises(TransformError, match="transform 'vanished' from package mstg-broken"):
        load_transform("vanished")
    assert load_transform("gain:db=1").db == 1.0  # nothing else is affected


def test_duplicate_names_are_an_error_naming_both(sepia_site: Path, duplicate_site: Path) -> None:
    env = env_for(sepia_site, duplicate_site)
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "sepia", "-o", "null",
                      env=env)
    assert result.returncode == 2
    error = result.stderr.decode().splitlines()[0]
    assert error.startswith("error: transform 'sepia' is defined more than once")
    assert "package mstg-sepia 0.1.0" in error and "package mstg-sepia-copy 0.1.0" in error
    shadow = run_mstg("run", "-i", "sine", "--duration", "0.2", "-t", "mute", "-o", "null",
                      env=env)
    assert shadow.returncode == 2
    assert "built-in (mstg.transforms.audio:Mute)" in shadow.stderr.decode()
    assert "package mstg-sepia-copy 0.1.0 (mstg_sepia:Sepia)" in shadow.stderr.decode()
    listing = run_mstg("transforms", env=env)
    assert listing.returncode == 0
    rows = [r for r in listing.stdout.decode().splitlines() if r.startswith("sepia ")]
    assert len(rows) == 2 and all("CONFLICT" in r for r in rows)
    assert "warning: transform 'sepia' is defined more than once" in listing.stderr.decode()
    fine = run_mstg("run", "-i", "sine", "--duration", "0.2", "-t", "gain:db=3", "-o", "null",
                    env=env)
    assert fine.returncode == 0, fine.stderr.decode()


LOCAL_PLUGIN = '''
from dataclasses import dataclass, field
import numpy as np
from mstg import Transform


@dataclass
class RedOnly(Transform):
    """Keeps the red channel, scaled by ``level``."""

    name = "redonly"
    summary = "Only red."
    pixel_format = "rgb24"
    level: float = field(default=1.0, metadata={"min": 0.0, "max": 1.0})

    def process(self, pixels, frame):
        out = np.zeros_like(pixels)
        out[..., 0] = (pixels[..., 0] * self.level).astype(np.uint8)
        return out
'''


def test_local_file_transform_from_the_command_line(tmp_path: Path) -> None:
    plugin = tmp_path / "red_only.py"
    plugin.write_text(LOCAL_PLUGIN)
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t",
                      f"{plugin}:RedOnly:level=1", "-o", str(out), "-y", "-q")
    assert result.returncode == 0, result.stderr.decode()
    frames = decoded_rgb(out)
    assert len(frames) == 5
    assert frames[0][..., 0].mean() > 40
    # Only red is left (chroma subsampling blurs colour edges a little).
    assert np.percentile(frames[0][..., 1], 98) < 40 and np.percentile(frames[0][..., 2], 98) < 40
    relative = run_mstg("transforms", "red_only.py:RedOnly", "--json", cwd=tmp_path)
    assert relative.returncode == 0, relative.stderr.decode()
    assert b'"source": "file red_only.py"' in relative.stdout
    typo = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", f"{plugin}:RedOnyl",
                    "-o", "null")
    assert typo.returncode == 2
    assert "has no class 'RedOnyl' (did you mean 'RedOnly'?)" in typo.stderr.decode()


def test_local_files_load_only_when_named_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gain.py").write_text("raise RuntimeError('this file must not run')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert type(load_transform("gain")).__module__ == "mstg.transforms.audio"
    with pytest.raises(TransformError, match="this file must not run"):
        load_transform("gain.py:Gain")
    with pytest.raises(UsageError, match="transform file not found: missing.py"):
        load_transform("missing.py:Gain")


def test_describe_shows_parameters_as_json() -> None:
    result = run_mstg("transforms", "mono", "--json")
    assert result.returncode == 0
    info = json.loads(result.stdout)
    assert info["name"] == "mono" and info["kind"] == "audio" and info["source"] == "built-in"
    (channels,) = info["parameters"]
    assert channels["type"] == "int" and channels["default"] == 1 and channels["choices"] == [1, 2]
    assert info["example"].startswith("mstg run ")
    listing = json.loads(run_mstg("transforms", "--json").stdout)
    gain = next(r for r in listing if r["name"] == "gain")
    assert gain == {**gain, "kind": "audio", "source": "built-in", "error": None, "conflict": None}
    assert describe_transform("gain")["parameters"][0]["name"] == "db"


def test_unknown_transform_in_describe_is_a_usage_error() -> None:
    result = run_mstg("transforms", "gian")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "error: unknown transform 'gian' (did you mean 'gain'?)", "hint: 'mstg transforms' lists them"]


def test_run_warns_about_a_broken_plugin_it_did_not_pick(sepia_site: Path, broken_site: Path, tmp_path: Path) -> None:
    env = env_for(sepia_site, broken_site)
    run = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", "sepia", "-o", "null", env=env)
    stderr = run.stderr.decode()
    assert run.returncode == 0 and "warning: transform 'shapeless'" in stderr and "Traceback" not in stderr
    quiet = run_mstg("run", "-q", "-i", "testsrc", "--duration", "0.2", "-t", "sepia", "-o", "null", env=env)
    assert quiet.returncode == 0 and quiet.stderr == b""
