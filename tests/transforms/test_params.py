"""Transform parameters: ``-t name:key=value,...`` and mappings go through one validation,
and every mistake is one clear line (exit status 2 on the command line)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from conftest import run_mstg
from mstg.errors import UsageError
from mstg.transforms.base import Transform
from mstg.transforms.params import parameters, parse_spec, validate
from mstg.transforms.registry import load_transform


def _blur_has_sigma() -> bool:
    try:
        from mstg.transforms.video import Blur
    except ImportError:
        return False
    return "sigma" in {p.name for p in parameters(Blur)}


# blur is the video helper's; gain (ours) stands in until blur has its sigma parameter.
TYPO_SPEC, TYPO_ERROR = (
    ("blur:sigmaa=1", "transform 'blur': unknown parameter 'sigmaa' (did you mean 'sigma'?)")
    if _blur_has_sigma() else
    ("gain:dbb=1", "transform 'gain': unknown parameter 'dbb' (did you mean 'db'?)"))


@dataclass
class Knobs(Transform):
    """A transform with one parameter of each kind (for the validation tests)."""

    name = "knobs"
    size: int = field(default=3, metadata={"min": 1, "max": 99, "help": "Kernel size."})
    sigma: float = field(default=1.5, metadata={"min": 0.0})
    enabled: bool = True
    mode: str = field(default="fast", metadata={"choices": ("fast", "best")})
    formats: str = field(default="qr_code", metadata={
        "choices": ("qr_code", "ean_13", "upc_a"), "multiple": True})
    limit: int | None = None


# --- parsing -------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, expected", [
    ("blur", ("blur", {})),
    ("blur:sigma=3", ("blur", {"sigma": "3"})),
    ("blur:sigma=3,size=5", ("blur", {"sigma": "3", "size": "5"})),
    ("barcode:formats=ean_13,upc_a", ("barcode", {"formats": "ean_13,upc_a"})),
    ("barcode:formats=ean_13,upc_a,draw=false", ("barcode", {"formats": "ean_13,upc_a", "draw": "false"})),
    ("text:text=a=b", ("text", {"text": "a=b"})),
    ("text:text=12:30", ("text", {"text": "12:30"})),
    ("blur:sigma=3,", ("blur", {"sigma": "3"})),
    (" blur : sigma=3", ("blur", {"sigma": "3"})),
])
def test_parse_spec(spec: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec, value", [
    ("ffmpeg:vf=scale=320:-1", "scale=320:-1"),
    ("ffmpeg:af=highpass=f=200", "highpass=f=200"),
    ("ffmpeg:vf=scale=w=320:h=-2,hflip,fps=fps=10", "scale=w=320:h=-2,hflip,fps=fps=10"),
])
def test_parse_spec_verbatim_value_takes_the_rest(spec: str, value: str) -> None:
    name, params = parse_spec(spec, verbatim=("vf", "af"))
    assert name == "ffmpeg" and list(params.values()) == [value]


def test_parse_errors() -> None:
    with pytest.raises(UsageError, match=r"^transform 'blur': expected key=value, got '3'$"):
        parse_spec("blur:3")
    with pytest.raises(UsageError, match=r"^transform 'blur': parameter 'sigma' is given twice$"):
        parse_spec("blur:sigma=1,sigma=2")


# --- validation ----------------------------------------------------------------------------
def test_strings_and_native_values_convert_the_same_way() -> None:
    from_text = validate(Knobs, "knobs", {"size": "5", "sigma": "2", "enabled": "no",
                                          "mode": "best", "formats": "ean_13,upc_a", "limit": "none"})
    from_yaml = validate(Knobs, "knobs", {"size": 5, "sigma": 2, "enabled": False, "mode": "best",
                                          "formats": ["ean_13", "upc_a"], "limit": None})
    assert from_text == from_yaml == {"size": 5, "sigma": 2.0, "enabled": False, "mode": "best",
                                      "formats": "ean_13,upc_a", "limit": None}
    assert type(from_text["sigma"]) is float


@pytest.mark.parametrize("word, value", [
    ("true", True), ("yes", True), ("1", True), ("TRUE", True), ("on", True),
    ("false", False), ("no", False), ("0", False), ("Off", False)])
def test_bool_words(word: str, value: bool) -> None:
    assert validate(Knobs, "knobs", {"enabled": word}) == {"enabled": value}


@pytest.mark.parametrize("given, message", [
    ({"sizee": "3"}, "transform 'knobs': unknown parameter 'sizee' (did you mean 'size'?)"),
    ({"size": "abc"}, "transform 'knobs': parameter 'size' expects an integer, got 'abc'"),
    ({"size": "2.5"}, "transform 'knobs': parameter 'size' expects an integer, got '2.5'"),
    ({"size": True}, "transform 'knobs': parameter 'size' expects an integer, got True"),
    ({"sigma": "x"}, "transform 'knobs': parameter 'sigma' expects a number, got 'x'"),
    ({"sigma": "nan"}, "transform 'knobs': parameter 'sigma' expects a number, got 'nan'"),
    ({"enabled": "maybe"},
     "transform 'knobs': parameter 'enabled' expects true or false (yes/no, 1/0), got 'maybe'"),
    ({"size": "0"}, "transform 'knobs': parameter 'size' must be between 1 and 99, got 0"),
    ({"size": 100}, "transform 'knobs': parameter 'size' must be between 1 and 99, got 100"),
    ({"sigma": "-1"}, "transform 'knobs': parameter 'sigma' must be at least 0.0, got -1.0"),
    ({"mode": "bset"},
     "transform 'knobs': parameter 'mode' must be one of fast, best; got 'bset' (did you mean 'best'?)"),
    ({"formats": "ean_13,upc_e"},
     "transform 'knobs': parameter 'formats' must be one of qr_code, ean_13, upc_a; got 'upc_e' "
     "(did you mean 'upc_a'?)"),
])
def test_each_kind_of_mistake_has_a_clear_message(given: dict, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate(Knobs, "knobs", given)
    assert str(caught.value) == message


def test_unknown_parameter_without_a_close_match_lists_them() -> None:
    with pytest.raises(UsageError) as caught:
        validate(Knobs, "knobs", {"zzz": "1"})
    assert str(caught.value) == "transform 'knobs': unknown parameter 'zzz'"
    assert caught.value.hint == "its parameters: size, sigma, enabled, mode, formats, limit"


def test_required_parameter() -> None:
    @dataclass
    class Needs(Transform):
        path: str

    with pytest.raises(UsageError, match="^transform 'needs': parameter 'path' is required$"):
        validate(Needs, "needs", {})


def test_parameter_descriptions() -> None:
    size = parameters(Knobs)[0]
    assert (size.name, size.type, size.default, size.min, size.max, size.help) == (
        "size", int, 3, 1, 99, "Kernel size.")
    assert parameters(Knobs)[-1].type_name == "int | None"


# --- through the library: load_transform ---------------------------------------------------
def test_load_transform_validates_spec_and_mapping_alike() -> None:
    assert load_transform("gain:db=-6").db == -6.0
    assert load_transform("gain", {"db": -6}).db == -6.0
    assert load_transform("gain:db=1", {"db": "2"}).db == 2.0  # the mapping (a preset) wins
    assert load_transform("mono:channels=2").channels == 2


@pytest.mark.parametrize("spec, message, hint", [
    (TYPO_SPEC, TYPO_ERROR, None),
    ("gain:db=loud", "transform 'gain': parameter 'db' expects a number, got 'loud'", None),
    ("gain:db=61", "transform 'gain': parameter 'db' must be between -120.0 and 60.0, got 61.0", None),
    ("mono:channels=3", "transform 'mono': parameter 'channels' must be one of 1, 2; got 3", None),
    ("gian", "unknown transform 'gian' (did you mean 'gain'?)", "'mstg transforms' lists them"),
    ("ffmpeg", "transform 'ffmpeg': give exactly one of vf=FILTERS (video) or af=FILTERS (audio), "
               "e.g. -t \"ffmpeg:vf=hflip\"", None),
])
def test_load_transform_errors(spec: str, message: str, hint: str | None) -> None:
    with pytest.raises(UsageError) as caught:
        load_transform(spec)
    assert str(caught.value) == message
    assert caught.value.hint == hint


# --- through the command line --------------------------------------------------------------
@pytest.mark.parametrize("spec, lines", [
    (TYPO_SPEC, [f"error: {TYPO_ERROR}"]),
    ("gain:db=loud", ["error: transform 'gain': parameter 'db' expects a number, got 'loud'"]),
    ("gain:db=61", ["error: transform 'gain': parameter 'db' must be between -120.0 and 60.0, got 61.0"]),
    ("mono:channels=3", ["error: transform 'mono': parameter 'channels' must be one of 1, 2; got 3"]),
    ("gian", ["error: unknown transform 'gian' (did you mean 'gain'?)",
              "hint: 'mstg transforms' lists them"]),
])
def test_command_line_errors_are_one_line_with_status_2(spec: str, lines: list[str]) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-t", spec, "-o", "null")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == lines
