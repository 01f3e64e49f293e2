"""Journal records written by older releases, upgraded before they are replayed.

A segment's header says which format its records are in. On replay every record of
a segment older than :data:`~.format.FORMAT_VERSION` goes through
``MIGRATIONS[v]`` for each ``v`` from the segment's version up to the current one,
then is decoded and applied as a record written today. A journal reopened for
append continues in a new segment of the current format (see
:meth:`JournaledRouter.open <tierroute.hosting.journal.JournaledRouter.open>`), so a
segment never mixes formats.

The router snapshot a segment starts from is not this module's business:
:meth:`Router.restore <tierroute.routing.router.Router.restore>` migrates snapshots
of older versions. A migration leaves the ``args`` of a ``"snapshot"`` record alone.

**Changing the record format** (a new operation needs none): bump
``FORMAT_VERSION``, add ``MIGRATIONS[old]`` turning an old record into its new form,
and commit a journal written by the previous release under ``tests/fixtures/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import tierroute.hosting.journal.format as fmt

__all__ = ["MIGRATIONS", "Migration", "upgrade"]

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a record (its decoded JSON payload) of format ``v`` into format ``v + 1``."""

MIGRATIONS: Final[Mapping[int, Migration]] = {}
"""``MIGRATIONS[v]`` upgrades a record of format ``v`` to ``v + 1``. Empty while the
format is at version 1."""


def upgrade(
    record: dict[str, Any],
    version: int,
    *,
    migrations: Mapping[int, Migration] | None = None,
    target: int | None = None,
) -> dict[str, Any]:
    """``record``, written in format ``version``, in format ``target``.

    Args:
        record: The decoded payload of one record.
        version: The format of the segment it was read from.
        migrations: The table to use (default :data:`MIGRATIONS`).
        target: The format wanted (default the current one).

    Raises:
        LookupError: A step of the way has no migration.

    >>> up = {1: lambda r: {**r, "v2": True}, 2: lambda r: {**r, "v3": True}}
    >>> upgrade({"op": "advance"}, 1, migrations=up, target=3)
    {'op': 'advance', 'v2': True, 'v3': True}
    """
    table = MIGRATIONS if migrations is None else migrations
    for v in range(version, fmt.FORMAT_VERSION if target is None else target):
        step = table.get(v)
        if step is None:
            raise LookupError(f"no migration of journal records from format {v} to {v + 1}")
        record = step(record)
    return record
