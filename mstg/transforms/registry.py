"""Finding transforms by name: the built-ins, ``mstg.transforms`` entry points and local files.

Names are listed without importing any plugin: built-in names come from :data:`BUILTINS`,
plugin names from their packages' entry points. Only the transform the user picks is
imported. ``path/to/file.py:ClassName`` loads a class from a local file, only when named
like that.

>>> from mstg.transforms.registry import load_transform
>>> load_transform("grayscale").name
'grayscale'
>>> load_transform("gain:db=6").db
6.0
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import MstgError, TransformError, UsageError
from .base import Transform
from .params import describe_class, parse_params, split_spec, validate

#: The entry-point group third-party transforms register under.
ENTRY_POINT_GROUP = "mstg.transforms"

#: Built-in transforms: name -> "module:Class" (imported only when picked).
BUILTINS: dict[str, str] = {
    "barcode": "mstg.transforms.barcode:Barcode",
    "grayscale": "mstg.transforms.video:Grayscale",
    "blur": "mstg.transforms.video:Blur",
    "sharpen": "mstg.transforms.video:Sharpen",
    "edges": "mstg.transforms.video:Edges",
    "flip": "mstg.transforms.geometry:Flip",
    "rotate": "mstg.transforms.geometry:Rotate",
    "resize": "mstg.transforms.geometry:Resize",
    "crop": "mstg.transforms.geometry:Crop",
    "pad": "mstg.transforms.geometry:Pad",
    "pixelate": "mstg.transforms.video:Pixelate",
    "invert": "mstg.transforms.video:Invert",
    "color": "mstg.transforms.video:Color",
    "text": "mstg.transforms.overlay:Text",
    "faceblur": "mstg.transforms.detect:FaceBlur",
    "motion": "mstg.transforms.detect:Motion",
    "gain": "mstg.transforms.audio:Gain",
    "mute": "mstg.transforms.audio:Mute",
    "mono": "mstg.transforms.audio:Mono",
    "resample": "mstg.transforms.audio:Resample",
    "level": "mstg.transforms.audio:Level",
    "ffmpeg": "mstg.transforms.ffmpeg:FFmpegFilter",
    "null": "mstg.transforms.video:Null",
}


class PluginWarning(UserWarning):
    """A plugin that nobody picked is broken (it is skipped; nothing else fails)."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """Where one transform name comes from; :meth:`load` imports its class."""

    name: str
    #: ``module:Class`` (or ``path.py:Class`` for a local file).
    target: str
    #: ``built-in``, ``package`` or ``file``.
    origin: str
    package: str | None = None
    version: str | None = None
    #: Description of the package (from its metadata, so nothing is imported).
    package_summary: str = ""
    entry_point: importlib.metadata.EntryPoint | None = dataclasses.field(default=None, compare=False)
    #: What is visibly wrong with a plugin's entry point (found without importing it).
    problem: str | None = None

    @property
    def source(self) -> str:
        """``built-in``, ``package mstg-sepia 0.1`` or ``file ./sepia.py``."""
        if self.origin == "package":
            return f"package {self.package} {self.version or ''}".rstrip()
        if self.origin == "file":
            return f"file {self.target.rpartition(':')[0]}"
        return "built-in"

    def describe(self) -> str:
        return f"{self.source} ({self.target})"

    def load(self) -> type[Transform]:
        """Import the class; a :class:`~mstg.errors.TransformError` naming it if that fails."""
        try:
            if self.origin == "file":
                path, _, attr = self.target.rpartition(":")
                obj: Any = load_file_class(path, attr)
            elif self.entry_point is not None:
                obj = self.entry_point.load()
            else:
                module, _, attr = self.target.partition(":")
                obj = getattr(importlib.import_module(module), attr)
        except MstgError:
            raise
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything on import
            raise TransformError(f"transform '{self.name}' from {self.describe()} cannot be "
                                 f"loaded: {type(exc).__name__}: {exc}") from exc
        if not (isinstance(obj, type) and issubclass(obj, Transform)):
            raise TransformError(f"transform '{self.name}' from {self.describe()} is not a "
                                 "subclass of mstg.Transform")
        return obj


class Registry:
    """Every transform name and where it comes from, found without importing plugins.

    >>> registry = Registry.discover()
    >>> registry.entries("blur")[0].source
    'built-in'
    """

    def __init__(self, entries: list[Entry]) -> None:
        self._by_name: dict[str, list[Entry]] = {}
        for entry in entries:
            self._by_name.setdefault(entry.name, []).append(entry)

    @property
    def problems(self) -> list[str]:
        """Broken plugins found without importing them (:meth:`warn` issues them)."""
        return [f"transform '{e.name}' from {e.describe()} is broken: {e.problem}"
                for entries in self._by_name.values() for e in entries if e.problem]

    @classmethod
    def discover(cls, *, check: bool = False) -> Registry:
        """The built-ins plus the installed entry points of group ``mstg.transforms``.

        ``check`` also looks for entry points whose module is missing (without running it).
        """
        entries = [Entry(name, target, "built-in") for name, target in BUILTINS.items()]
        seen: set[tuple[str, str, str]] = set()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            entry = _entry_from(ep, _static_problem(ep, check))
            key = (entry.name, entry.target, entry.package or "")
            if key not in seen:
                seen.add(key)
                entries.append(entry)
        return cls(entries)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def entries(self, name: str) -> list[Entry]:
        """Every source of ``name`` (more than one is a conflict)."""
        return list(self._by_name.get(name, []))

    def conflicts(self) -> dict[str, list[Entry]]:
        return {n: e for n, e in sorted(self._by_name.items()) if len(e) > 1}

    def resolve(self, name: str) -> Entry:
        """The one entry for ``name``: unknown or ambiguous names are a UsageError."""
        found = self._by_name.get(name)
        if not found:
            close = difflib.get_close_matches(name, list(self._by_name), n=1)
            guess = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"unknown transform '{name}'{guess}",
                             hint="'mstg transforms' lists them")
        if len(found) > 1:
            raise UsageError(conflict_message(name, found),
                             hint="uninstall one of them (pip uninstall PACKAGE)")
        return found[0]

    def load_class(self, name: str) -> type[Transform]:
        return self.resolve(name).load()

    def warn(self) -> None:
        """Issue each problem found as a :class:`PluginWarning`."""
        for problem in self.problems:
            warnings.warn(problem, PluginWarning, stacklevel=2)


def conflict_message(name: str, entries: list[Entry]) -> str:
    sources = " and ".join(e.describe() for e in entries)
    return f"transform '{name}' is defined more than once: by {sources}"


def _entry_from(ep: importlib.metadata.EntryPoint, problem: str | None) -> Entry:
    dist = getattr(ep, "dist", None)
    meta = dist.metadata if dist is not None else None
    return Entry(ep.name, ep.value, "package",
                 package=meta["Name"] if meta is not None else None,
                 version=dist.version if dist is not None else None,
                 package_summary=(meta.get("Summary") or "") if meta is not None else "",
                 entry_point=ep, problem=problem)


def _static_problem(ep: importlib.metadata.EntryPoint, check: bool) -> str | None:
    """What is visibly wrong with an entry point, found without importing its module."""
    match = ep.pattern.match(ep.value)
    if not match or not match.group("attr"):
        return f"{ep.value!r} does not name a class (expected 'module:Class')"
    if check and not _module_exists(match.group("module")):
        return f"module {match.group('module')!r} is not installed"
    return None


def _module_exists(dotted: str) -> bool:
    """Whether module ``a.b.c`` is installed, found without running any of its code."""
    parts = dotted.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])  # a top-level name: nothing is executed
        for part in parts[1:]:
            if spec is None or not spec.submodule_search_locations:
                return False
            spec = importlib.machinery.PathFinder.find_spec(part, list(spec.submodule_search_locations))
    except (ImportError, ValueError):
        return True  # cannot tell: loading it will say what is wrong
    return spec is not None


# --- local files ---------------------------------------------------------------------------
_FILE_SPEC = re.compile(r"^(?P<path>[^:]*\.py):(?P<attr>[A-Za-z_]\w*)(?::(?P<rest>.*))?$", re.S)


def parse_file_spec(spec: str) -> tuple[str, str, str] | None:
    """``"dir/sepia.py:Sepia:strength=1"`` -> ``("dir/sepia.py", "Sepia", "strength=1")``."""
    match = _FILE_SPEC.match(spec.strip())
    if match is None:
        return None
    return match.group("path"), match.group("attr"), match.group("rest") or ""


def load_file_class(path: str, attr: str) -> Any:
    """Class ``attr`` of the Python file ``path`` (imported once per process)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError(f"transform file not found: {path}")
    digest = hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", file.stem)
    module_name = f"mstg_local_{stem}_{digest}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            raise UsageError(f"cannot load {path} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses look their module up while building
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    found = getattr(module, attr, None)
    if found is None:
        classes = [n for n, v in vars(module).items()
                   if isinstance(v, type) and issubclass(v, Transform) and v is not Transform]
        close = difflib.get_close_matches(attr, classes, n=1)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"{path} has no class '{attr}'{guess}")
    return found


def list_transforms(*, check: bool = True) -> Registry:
    """Every transform, not imported; broken plugins warn (:class:`PluginWarning`)."""
    registry = Registry.discover(check=check)
    registry.warn()
    return registry


def load_transform(spec: str, params: Mapping[str, Any] | None = None, *,
                   registry: Registry | None = None) -> Transform:
    """A ready transform from ``"name:key=value,..."`` and/or a mapping of parameters.

    ``spec`` may name a local file: ``"filters/sepia.py:Sepia:strength=0.5"``. Values in
    ``params`` (from a preset) win over those in ``spec``; both are validated the same way.
    """
    local = parse_file_spec(spec)
    if local is not None:
        path, attr, rest = local
        label = f"{path}:{attr}"
        cls = Entry(attr, label, "file").load()
    else:
        label, rest = split_spec(spec)
        if not label:
            raise UsageError(f"no transform name in {spec!r}", hint="'mstg transforms' lists them")
        cls = (registry or Registry.discover()).load_class(label)
    given: dict[str, Any] = dict(parse_params(rest, label, getattr(cls, "verbatim_params", ())))
    given.update(params or {})
    return create(cls, label, given)


def create(cls: type[Transform], label: str, given: Mapping[str, Any]) -> Transform:
    """Validate ``given`` and build the transform; its own checks become UsageErrors."""
    values = validate(cls, label, given)
    try:
        transform = cls(**values)
    except MstgError:
        raise
    except (ValueError, TypeError) as exc:
        raise UsageError(f"transform '{label}': {exc}") from exc
    if not transform.name:
        transform.name = re.sub(r"\W", "", cls.__name__).lower()  # type: ignore[misc]
    return transform


# --- what ``mstg transforms`` shows --------------------------------------------------------
def catalogue(registry: Registry | None = None) -> list[dict[str, Any]]:
    """One row per transform source: name, kind, summary, source, and any problem.

    Built-ins are imported for their summaries; third-party plugins are not (their
    package's description stands in). Problems are issued as :class:`PluginWarning`.
    """
    registry = registry or Registry.discover(check=True)
    registry.warn()
    conflicts = registry.conflicts()
    for name, entries in conflicts.items():
        warnings.warn(f"{conflict_message(name, entries)}; -t {name} fails until one is removed",
                      PluginWarning, stacklevel=2)
    rows = []
    for name in registry.names():
        for entry in registry.entries(name):
            rows.append(_row(entry, conflicts.get(name)))
    return rows


def _row(entry: Entry, conflict: list[Entry] | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": entry.name, "kind": None, "summary": entry.package_summary,
        "source": entry.source, "target": entry.target, "package": entry.package,
        "error": entry.problem, "conflict": [e.describe() for e in conflict] if conflict else None}
    if entry.origin == "built-in":
        try:
            cls = entry.load()
        except MstgError as exc:
            row["error"] = str(exc).rpartition("cannot be loaded: ")[2]
            warnings.warn(str(exc), PluginWarning, stacklevel=3)
        else:
            row.update(kind=cls.kind, summary=cls.summary)
    return row


def describe_transform(name: str, registry: Registry | None = None) -> dict[str, Any]:
    """Everything about one transform (it is imported): ``mstg transforms NAME``."""
    local = parse_file_spec(name)
    if local is not None:
        label = f"{local[0]}:{local[1]}"
        entry = Entry(local[1], label, "file")
    else:
        label = name
        entry = (registry or Registry.discover()).resolve(name)
    cls = entry.load()
    return {"name": label, "source": entry.source, "target": entry.target,
            "package": entry.package, **describe_class(cls, label)}
