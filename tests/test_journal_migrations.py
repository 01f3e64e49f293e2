"""Journal records of an older format are upgraded through the migration table before
they are replayed, and a journal reopened for append continues in today's format.

The format is at version 1, so there is no real older format yet: these tests make
one by pretending that today's format is version 2 (monkeypatched), whose records
name the offer of ``accept``, ``reject`` and ``complete`` ``"offer_id"``, where
"version 1" named it ``"offer"``.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

import tierroute.hosting.journal.format as fmt
import tierroute.hosting.journal.migrations as migrations
from tests import crash_worker as cw
from tierroute import JournalCorrupt, JournaledRouter, JournalVersionError, recover
from tierroute.hosting.journal import FORMAT_VERSION, journal_records
from tierroute.hosting.journal.codec import dumps
from tierroute.hosting.journal.migrations import MIGRATIONS, upgrade

SEED = 11
OFFER_OPS = ("accept", "reject", "complete")


def test_every_older_format_has_its_migration() -> None:
    assert set(MIGRATIONS) == set(range(1, FORMAT_VERSION))


def test_upgrade_applies_each_step_in_order() -> None:
    steps: list[int] = []

    def step(v: int) -> Any:
        def migrate(record: dict[str, Any]) -> dict[str, Any]:
            steps.append(v)
            return {**record, "trail": [*record.get("trail", []), v]}

        return migrate

    table = {1: step(1), 2: step(2), 3: step(3)}
    assert upgrade({"op": "advance"}, 2, migrations=table, target=4) == {
        "op": "advance",
        "trail": [2, 3],
    }
    assert steps == [2, 3]
    assert upgrade({"op": "advance"}, 4, migrations=table, target=4) == {"op": "advance"}
    with pytest.raises(LookupError, match="from format 4 to 5"):
        upgrade({"op": "advance"}, 1, migrations=table, target=6)


def offer_renamed(record: dict[str, Any]) -> dict[str, Any]:
    """The pretend migration from "version 1" to "version 2"."""
    if record["op"] in OFFER_OPS:
        args = dict(record["args"])
        args["offer_id"] = args.pop("offer")
        return {**record, "args": args}
    return record


def write_old_journal(folder: Path, steps: int) -> dict[str, Any]:
    """A journal in the pretend "version 1" format, written by today's code (whose
    format is version 1 until :func:`pretend_format_2`); returns the router's
    snapshot."""
    assert fmt.FORMAT_VERSION == 1
    with JournaledRouter.open(folder, init=cw.make_router(), sync="os") as jr:
        for i in range(steps):
            cw.step(jr, SEED, i)
        snap = jr.snapshot()
    [seg] = sorted(folder.glob("segment-*.trj"))
    records = journal_records(folder)
    assert sum(r.op in OFFER_OPS for r in records) > 10
    data = fmt.file_header(1)
    for r in records:
        payload: dict[str, Any] = {"seq": r.seq, "op": r.op, "now": r.now, "args": r.args}
        if r.op in OFFER_OPS:
            payload["args"] = {"offer": r.args["offer_id"]}
        payload["offers"] = [list(o) for o in r.offers]
        data += fmt.frame(dumps(payload).encode())
    seg.write_bytes(data)
    return snap


def pretend_format_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "FORMAT_VERSION", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: offer_renamed})


def header_version(folder: Path) -> int:
    [seg] = sorted(folder.glob("segment-*.trj"))
    version: int = struct.unpack_from("<H", seg.read_bytes(), 8)[0]
    return version


def test_old_records_are_upgraded_before_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "j"
    snap = write_old_journal(folder, 300)
    pretend_format_2(monkeypatch)
    assert recover(folder).snapshot() == snap
    assert all("offer_id" in r.args for r in journal_records(folder) if r.op in OFFER_OPS)


def test_without_the_migration_old_records_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "j"
    write_old_journal(folder, 100)
    pretend_format_2(monkeypatch)
    monkeypatch.setattr(migrations, "MIGRATIONS", {})
    with pytest.raises(JournalCorrupt, match="cannot be upgraded from format 1"):
        recover(folder)


def test_an_old_journal_reopens_in_a_segment_of_todays_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "j"
    snap = write_old_journal(folder, 300)
    pretend_format_2(monkeypatch)
    assert header_version(folder) == 1
    with JournaledRouter.open(folder, sync="os") as jr:
        assert jr.snapshot() == snap
        assert jr.replayed == 300
        assert jr.generation == 2  # checkpointed at once: nothing appended in format 1
        assert header_version(folder) == 2
        for i in range(300, 400):
            cw.step(jr, SEED, i)
        after = jr.snapshot()
    assert [p.name for p in sorted(folder.glob("segment-*"))] == ["segment-0000000002.trj"]
    assert recover(folder).snapshot() == after
    ref = cw.make_router()
    for i in range(400):
        cw.step(ref, SEED, i)
    assert cw.comparable(ref.snapshot()) == cw.comparable(after)


def test_a_journal_of_the_pretend_format_is_too_new_for_today(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "j"
    with monkeypatch.context() as m:
        m.setattr(fmt, "FORMAT_VERSION", 2)
        with JournaledRouter.open(folder, init=cw.make_router(), sync="os") as jr:
            cw.step(jr, SEED, 0)
    with pytest.raises(JournalVersionError) as info:
        recover(folder)
    assert (info.value.version, info.value.supported) == (2, 1)
