"""Where a policy's fields come from: files, presets and overrides, merged one way.

A policy is written as a mapping (a TOML, YAML or JSON file, or a ``dict``). A
``preset`` key names a built-in preset, itself a policy file shipped in
``tierroute/policy/preset_files/``; the mapping's other keys override it (see
:func:`merge_policy_overrides`). :func:`policy_fields` is that one merge, used by
:meth:`Policy.from_mapping <tierroute.policy.model.Policy.from_mapping>` and by the
scenario loader; the caller validates the fields it returns.

Files are read by :func:`read_mapping_file`, within bounds: a regular file of at
most :data:`MAX_INPUT_BYTES` bytes (:func:`read_text_file`), data nested at most
:data:`MAX_NESTING` levels deep, at most :data:`MAX_VALUES` values with YAML aliases
expanded (counted before they are). A validation error becomes a
:class:`~tierroute.errors.PolicyError` naming each bad field's dotted path and, in
a TOML or YAML file, its line (:func:`pydantic_error_to_policy_error`, shared with
scenario files); past :data:`MAX_PROBLEMS` fields it says how many more there are.

Everything here works on plain mappings, so the policy model can use it without
this module knowing the model (presets depend on the model, never the reverse).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import stat
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from tierroute.errors import PolicyError
from tierroute.policy._bounds import (
    MAX_INPUT_BYTES,
    MAX_NESTING,
    MAX_VALUES,
    LimitExceeded,
    check_shape,
    yaml_data,
)
from tierroute.policy._locate import line_index, line_of

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_NESTING",
    "MAX_PROBLEMS",
    "MAX_VALUES",
    "LocatedError",
    "merge_policy_overrides",
    "policy_fields",
    "preset_fields",
    "preset_names",
    "pydantic_error_to_policy_error",
    "read_mapping_file",
    "read_text_file",
]

MAX_PROBLEMS: Final = 20
"""Most bad fields a validation error lists (it counts the others)."""

_PRESET_DIR: Final = "preset_files"
"""Folder of ``tierroute.policy`` holding one ``<name>.toml`` policy file per preset."""


def preset_names() -> tuple[str, ...]:
    """Names of the built-in presets, sorted.

    >>> preset_names()
    ('prestige',)
    """
    folder = resources.files("tierroute.policy").joinpath(_PRESET_DIR)
    return tuple(sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml")))


def preset_fields(name: str) -> dict[str, Any]:
    """The fields of the built-in preset called ``name``, as its file writes them.

    Raises:
        PolicyError: No such preset; the message lists the known ones and
            ``location`` is ``"preset"``.

    >>> preset_fields("prestige")["name"]
    'prestige'
    >>> preset_fields("gold")
    Traceback (most recent call last):
    ...
    tierroute.errors.PolicyError: unknown preset 'gold'; presets are ['prestige']
    """
    names = preset_names()
    if name not in names:
        raise PolicyError(f"unknown preset {name!r}; presets are {list(names)}", location="preset")
    return copy.deepcopy(_read_preset(name))  # the caller may modify its copy


@functools.cache
def _read_preset(name: str) -> dict[str, Any]:
    """The parsed preset file, read once: parsing costs more than validating it."""
    path = resources.files("tierroute.policy").joinpath(_PRESET_DIR, f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def policy_fields(
    data: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Policy fields from ``data``: the preset it names (or ``defaults`` when it names
    none) with its other keys merged over it by :func:`merge_policy_overrides`.

    Args:
        data: Policy fields, possibly with a ``preset`` key. Not modified.
        defaults: Fields to start from when ``data`` names no preset (none: ``data``
            alone).
        source: Name of the file ``data`` came from, for error messages.

    Raises:
        PolicyError: ``preset`` names no built-in preset.

    >>> fields = policy_fields({"preset": "prestige", "offer": {"auto_accept": True}})
    >>> fields["offer"]["auto_accept"], fields["offer"]["timeout_s"]
    (True, 20.0)
    >>> policy_fields({"name": "x"}, defaults={"name": "y", "explain_history": 0})
    {'name': 'x', 'explain_history': 0}
    """
    payload = dict(data)
    preset = payload.pop("preset", None)
    if preset is None:
        base = dict(defaults or {})
    else:
        try:
            base = preset_fields(str(preset))
        except PolicyError as exc:
            where = f"{source}: " if source else ""
            raise PolicyError(f"{where}preset: {exc}", source=source, location="preset") from None
    return merge_policy_overrides(base, payload)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, Mapping):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def merge_policy_overrides(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge policy overrides into a preset's (or defaults') fields.

    Tables merge key by key, ``tiers`` merge by tier ``name`` (new names are appended),
    other values replace. Neither argument is modified.

    >>> base = {"offer": {"timeout_s": 20.0, "auto_accept": False},
    ...         "tiers": [{"name": "a", "value_boost": 0.1}]}
    >>> merged = merge_policy_overrides(base, {"offer": {"auto_accept": True},
    ...                                         "tiers": [{"name": "b"}]})
    >>> merged["offer"]
    {'timeout_s': 20.0, 'auto_accept': True}
    >>> merged["tiers"]
    [{'name': 'a', 'value_boost': 0.1}, {'name': 'b'}]
    """
    tiers = over.get("tiers")
    out = _merge(base, {k: v for k, v in over.items() if k != "tiers"})
    if isinstance(tiers, list) and all(isinstance(t, Mapping) and "name" in t for t in tiers):
        merged = [dict(t) for t in base.get("tiers", ())]
        index = {t["name"]: i for i, t in enumerate(merged)}
        for t in tiers:
            if t["name"] in index:
                merged[index[t["name"]]] = _merge(merged[index[t["name"]]], t)
            else:
                merged.append(dict(t))
        out["tiers"] = merged
    elif tiers is not None:
        out["tiers"] = tiers
    return dict(out)


def read_text_file(path: str | Path, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of the regular file at ``path``, of at most ``max_bytes`` bytes.

    Anything but a regular file (a directory, a FIFO, ``/dev/zero``) is refused
    without reading from it: the file is opened without blocking (a FIFO with no
    writer would wait forever) and checked before the first read. At most
    ``max_bytes + 1`` bytes are read.

    Raises:
        PolicyError: The file cannot be opened, is not a regular file, is larger
            than ``max_bytes`` or is not UTF-8 text; the message names the file.

    >>> read_text_file("/dev/zero")
    Traceback (most recent call last):
    ...
    tierroute.errors.PolicyError: /dev/zero: cannot read file: not a regular file (a character ...
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read file: {exc.strerror}", source=str(p)) from None
    except ValueError as exc:  # a NUL byte in the name
        raise PolicyError(f"{p!r}: cannot read file: {exc}", source=str(p)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PolicyError(
                f"{p}: cannot read file: not a regular file ({_file_kind(mode)})", source=str(p)
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read file: {exc.strerror}", source=str(p)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise PolicyError(f"{p}: larger than the limit of {max_bytes:,} bytes", source=str(p))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"{p}: not UTF-8 text (byte {exc.start}: {exc.reason})", source=str(p)
        ) from None


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


def read_mapping_file(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a TOML, YAML or JSON file into a mapping; also return the file's text
    (for :func:`pydantic_error_to_policy_error` to find the line of a bad field).

    The file is read by :func:`read_text_file` (a regular file of at most
    :data:`MAX_INPUT_BYTES` bytes), and its data may nest at most
    :data:`MAX_NESTING` levels and hold at most :data:`MAX_VALUES` values, YAML
    aliases expanded (checked before they are expanded).

    Raises:
        PolicyError: The file cannot be read or parsed or is past a bound; the
            message names the file and, where known, the line.
    """
    p = Path(path)
    text = read_text_file(p)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml", ".json"):
        raise PolicyError(
            f"{p}: unknown file type {suffix!r} (use .toml, .yaml, .yml or .json)",
            source=str(p),
        )
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml_data(text)
        check_shape(data)
    except ImportError:  # pragma: no cover - depends on the environment
        raise PolicyError(
            f"{p}: reading YAML needs PyYAML (pip install 'tierroute[yaml]')", source=str(p)
        ) from None
    except LimitExceeded as exc:
        raise PolicyError(f"{p}: {exc}", source=str(p)) from None
    except RecursionError:  # the TOML and JSON parsers recurse per nesting level
        raise PolicyError(f"{p}: nests deeper than {MAX_NESTING} levels", source=str(p)) from None
    except Exception as exc:  # parser errors of three libraries; each names the line
        raise PolicyError(f"{p}: syntax error: {exc}", source=str(p)) from None
    if not isinstance(data, dict):
        raise PolicyError(f"{p}: expected a table/mapping at the top level", source=str(p))
    return data, text


class LocatedError(ValueError):
    """A validator's error that knows the dotted path of the field at fault, below the
    model that raised it (a cross-field check blaming one field).

    >>> LocatedError("end", "end must be after start").loc
    'end'
    """

    def __init__(self, loc: str, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def pydantic_error_to_policy_error(
    exc: ValidationError, *, source: str | None, what: str, text: str | None = None
) -> PolicyError:
    """Turn a pydantic validation error into a :class:`PolicyError` naming every bad
    field as a dotted path (``tiers.1.relaxation.0.wait_s``), with its line when
    ``text`` (the TOML or YAML file ``source``) is given. ``location`` is the first
    bad field's path.

    >>> from pydantic import BaseModel
    >>> class Shift(BaseModel):
    ...     start: float
    >>> try:
    ...     Shift.model_validate({"start": "soon"})
    ... except ValidationError as exc:
    ...     print(pydantic_error_to_policy_error(exc, source="a.toml", what="shift",
    ...                                          text='start = "soon"'))
    a.toml: invalid shift:
      start (line 1): Input should be a valid number, unable to parse string as a number (got 'soon')
    """  # noqa: E501
    errors = exc.errors()
    lines = line_index(text, source) if text is not None else None
    problems = []
    first_loc: str | None = None
    for err in errors[:MAX_PROBLEMS]:
        parts = [str(p) for p in err["loc"]]
        inner = err.get("ctx", {}).get("error")
        msg = err["msg"].removeprefix("Value error, ")
        if isinstance(inner, LocatedError):
            parts += inner.loc.split(".")
            msg = str(inner)
        loc = ".".join(parts) or "(top level)"
        first_loc = first_loc or loc
        line = line_of(lines, parts) if lines is not None else None
        at = f" (line {line})" if line is not None else ""
        value = err.get("input")
        shown = "" if isinstance(value, dict | list | tuple) or inner else f" (got {_short(value)})"
        problems.append(f"  {loc}{at}: {msg}{shown}")
    if len(errors) > MAX_PROBLEMS:
        problems.append(f"  ... and {len(errors) - MAX_PROBLEMS:,} more")
    where = f"{source}: " if source else ""
    message = f"{where}invalid {what}:\n" + "\n".join(problems)
    return PolicyError(message, source=source, location=first_loc)


def _short(value: Any) -> str:
    """``repr`` of a bad value, cut to 80 characters (a value can be a whole file)."""
    try:
        shown = repr(value)
    except Exception:  # an int past sys.get_int_max_str_digits(), a hostile __repr__
        return f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else shown[:77] + "..."
