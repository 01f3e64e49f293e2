"""Bounds on what an input file (policy, scenario) may hold, and the checks that hold
them before anything walks the data.

A file is read only when it is a regular file of at most :data:`MAX_INPUT_BYTES`
(:func:`tierroute.policy.loading.read_text_file`). Once parsed, its data may nest at
most :data:`MAX_NESTING` levels and hold at most :data:`MAX_VALUES` values (scalars,
lists and tables, each counted once per place it appears).

YAML needs more: an alias repeats its anchor's content without repeating its text,
so nine nested anchors of nine items make a short file of 9**9 values (a "billion
laughs" document). :func:`yaml_node` composes the document with PyYAML's safe loader
and weighs every node as it is composed, an alias weighing what its anchor expands
to; it refuses the document at the first node past a bound, before anything is
constructed (merge keys ``<<`` copy entries at construction) or walked (the
validator, the line locator).

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

import functools
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
replayed arrival trace a few hundred. PyYAML's safe loader reads about 0.5 MB/s, so a
YAML file at the limit still parses in seconds."""

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


@functools.cache
def _loader_class() -> Any:
    """PyYAML's safe loader with a composer that weighs nodes (imported on first use:
    YAML is an extra)."""
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """Weighs each node as composed: ``(values, height)`` once expanded."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0
            self.weights: dict[int, tuple[int, int]] = {}

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                return self._alias()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self._refuse(f"nests deeper than {MAX_NESTING} levels")
            node: Any = super().compose_node(parent, index)
            self.depth -= 1
            values, height = 1, 1
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = []
            for child in children:
                v, h = self.weights[id(child)]
                values += v
                height = max(height, h + 1)
                if values > MAX_VALUES:
                    raise LimitExceeded(
                        f"holds more than {MAX_VALUES:,} values once its aliases are expanded"
                        f" (line {node.start_mark.line + 1})"
                    )
            self.weights[id(node)] = (values, height)
            return node

        def _alias(self) -> Any:
            name = self._next_event().anchor
            node = self.anchors.get(name)
            if node is not None:
                weight = self.weights.get(id(node))
                if weight is None:  # the anchor's node is still being composed
                    raise self._refuse(f"alias *{name} refers to a node that contains it")
                if self.depth + weight[1] > MAX_NESTING:
                    raise self._refuse(
                        f"nests deeper than {MAX_NESTING} levels once alias *{name} is expanded"
                    )
            return super().compose_node(None, 0)  # PyYAML reports undefined aliases

        def _refuse(self, problem: str) -> LimitExceeded:
            return LimitExceeded(f"{problem} (line {self._next_event().start_mark.line + 1})")

        def _next_event(self) -> Any:  # PyYAML's events are untyped
            return self.peek_event()  # type: ignore[no-untyped-call]

    return BoundedLoader


def yaml_node(text: str) -> Any:
    """The document's root node (``None`` when empty), composed within the bounds.

    Raises:
        LimitExceeded: The document is past a bound (with the line where it was seen).
        yaml.YAMLError: The document is not valid YAML.
    """
    loader = _loader_class()(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def yaml_data(text: str) -> Any:
    """The document's data, composed within the bounds, then constructed by PyYAML's
    safe constructor (plain Python values only).

    Raises:
        LimitExceeded: The document is past a bound.
        yaml.YAMLError: The document is not valid YAML.
    """
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
