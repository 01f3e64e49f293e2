"""The payloads of a journal: what each record's JSON holds.

A call record is ``{"seq", "op", "now", "args", "offers"}``: the number of calls
journaled so far (this one included), the operation's name, the time the call
resolved to, its arguments as :meth:`Operation.encode
<tierroute.hosting.operations.Operation.encode>` writes them, and a digest of the
offers it made (replay checks that it makes the same). A segment's first record is
``{"seq", "op": "snapshot", "now", "tierroute", "args", "offers": []}``: the count
it follows, the router's time, the release that wrote it, and the router snapshot.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from tierroute.errors import InvalidArgument
from tierroute.hosting.operations import Operation
from tierroute.models import Offer

__all__ = ["call_args", "call_payload", "digest", "dumps", "snapshot_payload"]


_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

dumps: Final[Callable[[Any], str]] = _ENCODER.encode
"""Compact JSON; NaN and infinities refused (they are not JSON). One encoder for
every call: ``json.dumps`` with options builds a new one each time, which costs more
than encoding a record."""


def digest(offers: list[Offer]) -> list[list[str]]:
    """What a record keeps of each offer: ``[offer_id, contact_id, agent_id]``."""
    return [[o.offer_id, o.contact_id, o.agent_id] for o in offers]


def call_args(op: Operation) -> bytes:
    """The arguments of ``op`` as a call record holds them: UTF-8 JSON.

    The journal encodes a call this way *before* applying it, so that a call it
    could not write is refused while nothing has changed.

    Raises:
        InvalidArgument: An argument is not JSON data (a set, an object, NaN, an
            integer too long to write) or not valid Unicode (a lone surrogate, as
            ``json.loads('"\\ud800"')`` gives); the message names it.
    """
    data = op.encode()
    try:
        return dumps(data).encode()
    except Exception as exc:  # refused: find the argument at fault (not a hot path)
        failure: Exception = exc
    culprit = "arguments"
    for name, value in data.items():
        try:
            dumps(value).encode()
        except Exception as exc:
            culprit, failure = name, exc
            break
    raise InvalidArgument(
        f"{op.name}: {culprit} cannot be journaled: it must be JSON data in valid Unicode "
        f"({type(failure).__name__}: {failure})"
    ) from failure


def call_payload(seq: int, op: str, now: float, args: bytes, offers: list[Offer]) -> bytes:
    """The payload of a call record; ``args`` is already JSON (see :func:`call_args`).

    Written by hand rather than by one ``dumps`` of a dict: it is on the path of every
    journaled call. ``now`` is a router time, a finite float (the router refuses
    others), so its ``repr`` is its JSON; most calls make no offer. Offers name ids
    the router checked to be valid Unicode.
    """
    made = dumps(digest(offers)).encode() if offers else b"[]"
    return b'{"seq":%d,"op":"%s","now":%s,"args":%s,"offers":%s}' % (
        seq,
        op.encode(),
        repr(now).encode(),
        args,
        made,
    )


@functools.cache
def _release() -> str:
    """The installed tierroute's version (read once: metadata lookups are slow)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tierroute")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def snapshot_payload(snapshot: Mapping[str, Any], seq: int) -> bytes:
    """The payload of a segment's first record: the router snapshot it starts from."""
    return dumps(
        {
            "seq": seq,
            "op": "snapshot",
            "now": snapshot["now"],
            "tierroute": _release(),
            "args": snapshot,
            "offers": [],
        }
    ).encode()
