"""Find the line of a field, given its dotted path, in a TOML or YAML file.

Best effort, for error messages: the line of the deepest part of the path the file
spells out (a bad value inside an inline table points at the table's line).

>>> text = '''horizon = "8h"
... [[streams]]
... name = "a"
... [[streams]]
... name = "b"
... arrivals = { rate_per_hour = -1 }
... '''
>>> line_of(text, "x.toml", ["streams", "1", "arrivals", "rate_per_hour"])
6
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["line_of"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-"' .]+?)\s*=""")


def _split_key(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in key.split(".")]


def _toml_lines(text: str) -> dict[tuple[str, ...], int]:
    """Dotted path (array-of-table indices as strings) → line number."""
    where: dict[tuple[str, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    # the last index of each array of tables, keyed by its path without indices
    last: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("#"):
            names = _split_key(m.group(2))
            path: list[str] = []
            plain: list[str] = []
            for name in names[:-1]:
                path.append(name)
                plain.append(name)
                if tuple(plain) in last:
                    path.append(str(last[tuple(plain)]))
            path.append(names[-1])
            plain.append(names[-1])
            if m.group(1) == "[[":
                key = tuple(path)
                index = counts.get(key, 0)
                counts[key] = index + 1
                last[tuple(plain)] = index
                path.append(str(index))
            table = tuple(path)
            where.setdefault(table, number)
            continue
        k = _KEY.match(line)
        if k:
            where.setdefault((*table, *_split_key(k.group(1))), number)
    return where


def _yaml_lines(text: str) -> dict[tuple[str, ...], int]:
    import yaml

    where: dict[tuple[str, ...], int] = {}

    def walk(node: Any, path: tuple[str, ...]) -> None:
        where.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                where.setdefault(sub, key.start_mark.line + 1)
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, str(i)))

    root = yaml.compose(text)
    if root is not None:
        walk(root, ())
    return where


def line_of(text: str, source: str | None, parts: Sequence[str]) -> int | None:
    """Line (1-based) of the deepest prefix of ``parts`` found in the file, if any."""
    name = (source or "").lower()
    try:
        if name.endswith(".toml"):
            where = _toml_lines(text)
        elif name.endswith((".yaml", ".yml")):
            where = _yaml_lines(text)
        else:
            return None
    except Exception:  # a locator must never hide the real error
        return None
    for n in range(len(parts), 0, -1):
        line = where.get(tuple(parts[:n]))
        if line is not None:
            return line
    return None
