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

from tierroute.models import Offer

__all__ = ["call_payload", "digest", "dumps", "snapshot_payload"]


_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

dumps: Final[Callable[[Any], str]] = _ENCODER.encode
"""Compact JSON; NaN and infinities refused (they are not JSON). One encoder for
every call: ``json.dumps`` with options builds a new one each time, which costs more
than encoding a record."""


def digest(offers: list[Offer]) -> list[list[str]]:
    """What a record keeps of each offer: ``[offer_id, contact_id, agent_id]``."""
    return [[o.offer_id, o.contact_id, o.agent_id] for o in offers]


def call_payload(seq: int, op: str, now: float, args: str, offers: list[Offer]) -> bytes:
    """The payload of a call record; ``args`` is already JSON text.

    Written by hand rather than by one ``dumps`` of a dict: it is on the path of every
    journaled call. ``now`` is a router time, a finite float (the router refuses
    others), so its ``repr`` is its JSON; most calls make no offer.
    """
    made = dumps(digest(offers)) if offers else "[]"
    return f'{{"seq":{seq},"op":"{op}","now":{now!r},"args":{args},"offers":{made}}}'.encode()


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
