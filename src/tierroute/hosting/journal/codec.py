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
from collections.abc import Mapping
from typing import Any

from tierroute.models import Offer

__all__ = ["call_payload", "digest", "dumps", "snapshot_payload"]


def dumps(data: Any) -> str:
    """Compact JSON; NaN and infinities refused (they are not JSON)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(offers: list[Offer]) -> list[list[str]]:
    """What a record keeps of each offer: ``[offer_id, contact_id, agent_id]``."""
    return [[o.offer_id, o.contact_id, o.agent_id] for o in offers]


def call_payload(seq: int, op: str, now: float, args: str, offers: list[Offer]) -> bytes:
    """The payload of a call record; ``args`` is already JSON text.

    Written by hand rather than by ``json.dumps`` of a dict: it is on the path of
    every journaled call, and only ``now`` and the offers need encoding here.
    """
    return (
        f'{{"seq":{seq},"op":"{op}","now":{dumps(now)},'
        f'"args":{args},"offers":{dumps(digest(offers))}}}'
    ).encode()


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
