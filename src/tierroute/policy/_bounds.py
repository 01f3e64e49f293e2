"""Bounds on what an input file (policy, scenario) may hold, and the checks that hold
them before anything walks the data.

A file is read only when it is a regular file of at most :data:`MAX_INPUT_BYTES`
(:func:`tierroute.policy.loading.read_text_file`). Once parsed, its data may nest at
most :data:`MAX_NESTING` levels and hold at most :data:`MAX_VALUES` values (scalars,
lists and tables, each counted once per place it appears).

YAML needs more: an alias repeats its anchor's content without repeating its text,
so nine nested anchors of nine items make a short file of 9**9 values (a "billion
laughs" document). :func:`yaml_node` and :func:`yaml_data` first weigh the document
from its parser's events, an alias weighing what its anchor expands to, and refuse
it at the first event past a bound: before anything is composed (libyaml's composer
recurses per nesting level in C), constructed (merge keys ``<<`` copy entries) or
walked (the validator, the line locator).

>>> yaml_data("a: &x [1, 2]\\nb: *x\\n")
{'a': [1, 2], 'b': [1, 2]}
>>> bomb = "a: &a [x, x, x]\\n" + "".join(
...     f"{c}: &{c} [*{p}, *{p}, *{p}]\\n" for p, c in zip("abcdefghijklmnop", "bcdefghijklmnopq"))
>>> yaml_data(bomb)
Traceback (most recent call last):
...
tierroute.policy._bounds.LimitExceeded: holds more than 1,000,000 values once its aliases ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_NESTING",
    "MAX_VALUES",
    "LimitExceeded",
    "check_shape",
    "yaml_data",
    "yaml_node",
]

MAX_INPUT_BYTES: Final = 4 * 1024 * 1024
"""Largest input file read, in bytes (4 MiB): a scenario is a few kilobytes, a day's
replayed arrival trace a few hundred. A YAML file at the limit (400,000 values) loads
in about 4 s with libyaml, which PyYAML's wheels include."""

MAX_NESTING: Final = 64
"""Deepest nesting of lists and tables in an input file (scenarios use about 6)."""

MAX_VALUES: Final = 1_000_000
"""Most values (scalars, lists, tables) in an input file, YAML aliases expanded."""


class LimitExceeded(ValueError):
    """An input file is past one of the bounds above; the message says which, and
    where when known."""


def check_shape(data: Any) -> None:
    """Refuse data nested deeper than :data:`MAX_NESTING` or holding more than
    :data:`MAX_VALUES` values. Iterative, and stops at the first excess, so shared or
    even cyclic references cost at most ``MAX_VALUES`` steps.

    >>> check_shape({"a": [[[]]]})
    >>> deep: list[object] = []
    >>> for _ in range(70):
    ...     deep = [deep]
    >>> check_shape(deep)
    Traceback (most recent call last):
    ...
    tierroute.policy._bounds.LimitExceeded: nests deeper than 64 levels (at 0.0.0.0.0.0.0.0...
    """
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    count = 0
    while stack:
        value, depth, path = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise LimitExceeded(f"holds more than {MAX_VALUES:,} values")
        if depth > MAX_NESTING:
            shown = path if len(path) <= 32 else path[:32] + "..."
            raise LimitExceeded(f"nests deeper than {MAX_NESTING} levels (at {shown})")
        if isinstance(value, Mapping):
            items: Any = value.items()
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            continue
        stack.extend((v, depth + 1, f"{path}.{k}" if path else str(k)) for k, v in items)


def _loader() -> Any:
    """PyYAML's safe loader, libyaml's when installed (six times faster). Imported on
    first use: YAML is an extra."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml(text: str) -> None:
    """Weigh the document from its parser events, before anything is composed.

    Each collection's weight is ``(values, height)`` with its aliases expanded; an
    alias weighs what its anchor does. The parser is iterative (libyaml's too), so
    this pass is safe at any nesting; it stops at the first excess. Undefined aliases
    and other errors are left to the loader to report.
    """
    import yaml

    open_: list[list[Any]] = []  # [values, height, anchor] of each open collection
    anchors: dict[str, tuple[int, int]] = {}

    def close(values: int, height: int, anchor: str | None, event: Any) -> None:
        if anchor is not None:
            anchors[anchor] = (values, height)
        if open_:
            parent = open_[-1]
            parent[0] += values
            parent[1] = max(parent[1], height + 1)
            values = parent[0]
        if values > MAX_VALUES:
            raise _refuse(
                f"holds more than {MAX_VALUES:,} values once its aliases are expanded", event
            )

    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) >= MAX_NESTING:
                raise _refuse(f"nests deeper than {MAX_NESTING} levels", event)
            open_.append([1, 1, event.anchor])
        elif isinstance(event, yaml.CollectionEndEvent):
            values, height, anchor = open_.pop()
            close(values, height, anchor, event)
        elif isinstance(event, yaml.ScalarEvent):
            close(1, 1, event.anchor, event)
        elif isinstance(event, yaml.AliasEvent):
            name = event.anchor or ""
            if any(c[2] == name for c in open_):
                raise _refuse(f"alias *{name} refers to a node that contains it", event)
            values, height = anchors.get(name, (1, 1))
            if len(open_) + height > MAX_NESTING:
                raise _refuse(
                    f"nests deeper than {MAX_NESTING} levels once alias *{name} is expanded",
                    event,
                )
            close(values, height, None, event)


def _refuse(problem: str, event: Any) -> LimitExceeded:
    return LimitExceeded(f"{problem} (line {event.start_mark.line + 1})")


def yaml_node(text: str) -> Any:
    """The document's root node (``None`` when empty), once weighed within the bounds.

    Raises:
        LimitExceeded: The document is past a bound (with the line where it was seen).
        yaml.YAMLError: The document is not valid YAML.
    """
    _check_yaml(text)
    loader = _loader()(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def yaml_data(text: str) -> Any:
    """The document's data, once weighed within the bounds, constructed by PyYAML's
    safe constructor (plain Python values only).

    Raises:
        LimitExceeded: The document is past a bound.
        yaml.YAMLError: The document is not valid YAML.
    """
    _check_yaml(text)
    loader = _loader()(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
