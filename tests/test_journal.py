"""Tests of tierroute.hosting.journal: recording, recovery, torn tails, damage, versions,
compaction, durability policies.

Workloads are seeded (``tests/crash_worker.step``) and times explicit, so every
state compared below is exact.
"""

from __future__ import annotations

import json
import os
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest
from benchmarks.journal_overhead import measure_journal_overhead

from tests import crash_worker as cw
from tierroute import (
    AgentSpec,
    ContactSpec,
    DuplicateId,
    InvalidArgument,
    ManualClock,
    OfferPolicy,
    Policy,
    Router,
    RoutingStateError,
    TierRouteError,
    UnknownOffer,
    prestige,
)
from tierroute.hosting.journal import (
    FORMAT_VERSION,
    JournalCorrupt,
    JournaledRouter,
    JournalError,
    JournalReplayError,
    JournalVersionError,
    TornRecordWarning,
    journal_records,
    load_snapshot,
    recover,
    save_snapshot,
)

SEED = 11


def segment(folder: Path) -> Path:
    [seg] = sorted(folder.glob("segment-*.trj"))
    return seg


def run(target: Router | JournaledRouter, start: int, stop: int) -> list[list[list[Any]]]:
    return [cw.step(target, SEED, i).offers for i in range(start, stop)]


def journaled(folder: Path, steps: int = 0, **options: Any) -> JournaledRouter:
    options.setdefault("sync", "os")
    jr = JournaledRouter.open(folder, init=cw.make_router(), **options)
    run(jr, 0, steps)
    return jr


def rewrite_record(path: Path, offset: int, edit: Any) -> None:
    """Replace the record at ``offset`` with ``edit(payload)``, checksums fixed."""
    data = path.read_bytes()
    length = struct.unpack_from("<I", data, offset)[0]
    payload = json.loads(data[offset + 12 : offset + 12 + length])
    new = json.dumps(edit(payload)).encode()
    head = struct.pack("<II", len(new), zlib.crc32(new))
    rec = head + struct.pack("<I", zlib.crc32(head)) + new
    path.write_bytes(data[:offset] + rec + data[offset + 12 + length :])


# ---------------------------------------------------------------------- recording


def test_recovered_router_equals_the_live_one_and_decides_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 400)
    before = jr.snapshot()
    jr.close()
    got = recover(folder)
    got._check()
    assert got.snapshot() == before
    # The same later calls give the same offers as an uninterrupted router.
    ref = cw.make_router()
    run(ref, 0, 400)
    assert ref.snapshot() == before
    assert run(got, 400, 600) == run(ref, 400, 600)
    got._check()


def test_every_router_call_is_recorded_and_replayed(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = JournaledRouter.open(folder, init=Router(prestige()), sync="always")
    ana = AgentSpec("ana", skills={"billing": 4}, languages=("en",), seniority="senior")
    jr.add_agent(ana, presence="ready", now=0.0)
    jr.add_agent(AgentSpec("bob", languages=frozenset({"fr", "en"}), channels={"chat": 2}), now=0)
    [o1] = jr.submit(
        ContactSpec("c1", "voice", "premium", 0.7, 2, {"billing": 3}, "en", attributes={"x": [1]}),
        now=1.0,
    )
    jr.set_agent_state("bob", "ready", now=2.0)
    jr.submit(ContactSpec("c2", "chat", "standard", language="fr"), now=2.5)
    jr.reject(o1.offer_id, now=3.0)
    jr.transfer("c1", language=None, now=4.0)
    jr.transfer("c2", skills={"billing": 1}, min_seniority="junior", now=4.5)
    jr.advance(30.0)
    jr.abandon("c2", now=31.0)
    jr.set_agent_state("bob", "logged_out", now=32.0)
    jr.update_agent(AgentSpec("bob", channels={"email": 3}), now=33.0)
    jr.remove_agent("bob", now=34.0)
    [o] = jr.submit(ContactSpec("c3", "voice", "standard"), now=35.0) or [None]
    if o is not None:
        jr.accept(o.offer_id, now=36.0)
        jr.complete(o.offer_id, now=90.0)
    jr.advance(200.0)
    before = jr.snapshot()
    jr.close()
    records = journal_records(folder)
    assert [r.op for r in records[:3]] == ["snapshot", "add_agent", "add_agent"]
    assert {r.op for r in records} >= {
        "submit",
        "set_agent_state",
        "reject",
        "transfer",
        "advance",
        "abandon",
        "update_agent",
        "remove_agent",
    }
    assert [r.seq for r in records] == list(range(len(records)))
    got = recover(folder)
    got._check()
    assert got.snapshot() == before


def test_a_call_that_raises_records_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 60)
    count = len(journal_records(folder))
    before = jr.snapshot()
    size = segment(folder).stat().st_size
    with pytest.raises(UnknownOffer):
        jr.accept("o999999", now=jr.now)
    with pytest.raises(DuplicateId):
        jr.add_agent(cw.agent_spec(0), now=jr.now)
    with pytest.raises(InvalidArgument):
        jr.submit(ContactSpec("z", "voice", "no-such-tier"), now=jr.now)
    with pytest.raises(TierRouteError):
        jr.advance(jr.now - 1.0)
    with pytest.raises(InvalidArgument, match="JSON"):  # not journalable: refused first
        jr.submit(ContactSpec("z", "voice", "standard", attributes={"x": object()}), now=jr.now)
    with pytest.raises(InvalidArgument):
        jr.submit("not a spec", now=jr.now)  # type: ignore[arg-type]
    assert jr.snapshot() == before
    assert segment(folder).stat().st_size == size
    jr.close()
    assert len(journal_records(folder)) == count
    assert recover(folder).snapshot() == before


def test_a_call_found_invalid_after_due_timers_records_their_advance(tmp_path: Path) -> None:
    # An offer expiring at the call's time sets the agent not ready (one no-answer
    # allowed), which withdraws the offer being accepted: the router raises, standing
    # as advance(now) would leave it, with the timers' offers on the error.
    policy = Policy(offer=OfferPolicy(timeout_s=10.0, max_no_answers=1))
    folder = tmp_path / "j"
    jr = JournaledRouter.open(folder, init=Router(policy), sync="os")
    jr.add_agent(AgentSpec("a", channels={"chat": 3}), presence="ready", now=0.0)
    jr.add_agent(AgentSpec("b", channels={"chat": 1}), presence="not_ready", now=0.0)
    [o1] = jr.submit(ContactSpec("c1", "chat", "standard"), now=0.0)  # expires at 10
    [o2] = jr.submit(ContactSpec("c2", "chat", "standard"), now=5.0)  # expires at 15
    jr.set_agent_state("b", "ready", now=6.0)
    count = len(journal_records(folder))
    with pytest.raises(UnknownOffer) as info:
        jr.accept(o2.offer_id, now=12.0)
    assert jr.now == 12.0
    timed = info.value.offers
    assert [o.contact_id for o in timed] == ["c1"]  # re-offered to b at 10.0
    records = journal_records(folder)
    assert len(records) == count + 1
    assert (records[-1].op, records[-1].now) == ("advance", 12.0)
    assert records[-1].offers == [(o.offer_id, o.contact_id, o.agent_id) for o in timed]
    before = jr.snapshot()
    jr.close()
    ref = Router(policy)
    ref.add_agent(AgentSpec("a", channels={"chat": 3}), presence="ready", now=0.0)
    ref.add_agent(AgentSpec("b", channels={"chat": 1}), presence="not_ready", now=0.0)
    ref.submit(ContactSpec("c1", "chat", "standard"), now=0.0)
    ref.submit(ContactSpec("c2", "chat", "standard"), now=5.0)
    ref.set_agent_state("b", "ready", now=6.0)
    assert ref.advance(12.0) == list(timed)
    assert recover(folder).snapshot() == before == ref.snapshot()
    assert o1.agent_id == "a"


def test_the_resolved_time_is_recorded(tmp_path: Path) -> None:
    clock = ManualClock(5.0)
    folder = tmp_path / "j"
    with JournaledRouter.open(folder, init=Router(), clock=clock) as jr:
        jr.add_agent(AgentSpec("ana"), presence="ready")
        clock.advance(2.5)
        [offer] = jr.submit(ContactSpec("c1", "voice", "standard"))
        assert offer.offered_at == 7.5
    assert [r.now for r in journal_records(folder)[1:]] == [5.0, 7.5]
    # Replay needs no clock; the recovered router takes the one given, if any.
    assert recover(folder).now == 7.5
    with pytest.raises(InvalidArgument, match="now is required"):
        recover(folder).advance()
    assert recover(folder, clock=ManualClock(9.0)).advance() == []


def test_without_a_journal_clock_the_routers_own_clock_is_used(tmp_path: Path) -> None:
    clock = ManualClock(3.0)
    with JournaledRouter.open(tmp_path / "j", init=Router(clock=clock)) as jr:
        jr.add_agent(AgentSpec("ana"), presence="ready")
    assert journal_records(tmp_path / "j")[-1].now == 3.0


def test_reopening_continues_the_same_journal(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journaled(folder, 150).close()
    with JournaledRouter.open(folder, sync="os") as jr:
        assert jr.seq == 150
        assert jr.replayed == 150
        run(jr, 150, 300)
        before = jr.snapshot()
    ref = cw.make_router()
    run(ref, 0, 300)
    assert ref.snapshot() == before == recover(folder).snapshot()


# ---------------------------------------------------------------------- torn tails


@pytest.mark.parametrize("cut", [1, 5, 11, 12, 13, "half", "zeros", "flip"])
def test_a_torn_last_record_is_dropped_and_truncated_on_open(tmp_path: Path, cut: Any) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 80)
    before = jr.snapshot()
    last = jr.seq
    jr.submit(ContactSpec("extra", "chat", "standard"), now=jr.now + 1)
    jr.close()
    seg = segment(folder)
    offset = journal_records(folder)[-1].offset
    data = seg.read_bytes()
    if cut == "zeros":  # the file grew but the data never reached the disk
        torn = data[:offset] + bytes(len(data) - offset)
    elif cut == "flip":  # complete but damaged last record
        torn = data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:]
    elif cut == "half":
        torn = data[: offset + (len(data) - offset) // 2]
    else:
        torn = data[: offset + cut]
    seg.write_bytes(torn)
    with pytest.warns(TornRecordWarning, match=f"byte offset {offset}"):
        got = recover(folder)
    assert got.snapshot() == before
    assert seg.read_bytes() == torn  # recover() changes nothing
    with pytest.warns(TornRecordWarning, match=f"truncated .* byte offset {offset}"):
        jr = JournaledRouter.open(folder, sync="always")
    assert seg.stat().st_size == offset
    assert jr.seq == last
    jr.submit(ContactSpec("again", "chat", "standard"), now=jr.now + 1)
    after = jr.snapshot()
    jr.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert recover(folder).snapshot() == after


# ---------------------------------------------------------------------- damage


def corrupt_cases(data: bytes, offsets: list[int]) -> dict[str, tuple[bytes, int]]:
    mid = offsets[len(offsets) // 2]
    nxt = offsets[len(offsets) // 2 + 1]
    flip = bytearray(data)
    flip[nxt - 5] ^= 0x01  # inside the payload of a middle record
    head = bytearray(data)
    head[mid + 2] ^= 0x10  # its length field
    zeros = data[:mid] + bytes(12) + data[mid + 12 :]
    fh = bytearray(data)
    fh[17] ^= 0x01  # generation in the segment header
    magic = b"NOTMAGIC" + data[8:]
    return {
        "payload": (bytes(flip), mid),
        "length": (bytes(head), mid),
        "zeroed-header": (zeros, mid),
        "segment-header": (bytes(fh), 0),
        "magic": (magic, 0),
        "short": (data[:10], 0),
    }


@pytest.mark.parametrize(
    "case", ["payload", "length", "zeroed-header", "segment-header", "magic", "short"]
)
def test_damage_before_the_end_raises_naming_file_and_offset(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "j"
    journaled(folder, 60).close()
    seg = segment(folder)
    offsets = [r.offset for r in journal_records(folder)]
    damaged, offset = corrupt_cases(seg.read_bytes(), offsets)[case]
    seg.write_bytes(damaged)
    listing = sorted(p.name for p in folder.iterdir())
    with pytest.raises(JournalCorrupt) as info:
        recover(folder)
    assert info.value.path == str(seg)
    assert info.value.offset == offset
    assert str(seg) in str(info.value) and f"offset {offset}" in str(info.value)
    assert isinstance(info.value, OSError)
    with pytest.raises(JournalCorrupt):
        JournaledRouter.open(folder, init=cw.make_router())
    assert seg.read_bytes() == damaged  # nothing changed on disk
    assert sorted(p.name for p in folder.iterdir()) == listing


def test_a_record_that_replays_differently_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journaled(folder, 60).close()
    seg = segment(folder)
    rec = next(r for r in journal_records(folder) if r.offers)
    rewrite_record(seg, rec.offset, lambda p: {**p, "offers": [["o0", "x", "y"]]})
    with pytest.raises(JournalReplayError, match=f"offset {rec.offset}"):
        recover(folder)


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    journaled(folder, 5).close()
    seg = segment(folder)
    data = bytearray(seg.read_bytes())
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    struct.pack_into("<I", data, 20, zlib.crc32(bytes(data[:20])))
    seg.write_bytes(bytes(data))
    with pytest.raises(JournalVersionError, match="newer") as info:
        recover(folder)
    assert info.value.version == FORMAT_VERSION + 1
    assert info.value.supported == FORMAT_VERSION
    assert isinstance(info.value, ValueError)
    with pytest.raises(JournalVersionError):
        JournaledRouter.open(folder)
    assert seg.read_bytes() == bytes(data)


def test_missing_and_locked_journals(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no journal"):
        recover(tmp_path / "nothing")
    with pytest.raises(JournalError, match="no journal"):
        JournaledRouter.open(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(JournalError, match="no journal"):
        JournaledRouter.open(tmp_path / "empty")
    jr = journaled(tmp_path / "j", 3)
    with pytest.raises(JournalError, match="another process"):
        JournaledRouter.open(tmp_path / "j")
    jr.close()
    JournaledRouter.open(tmp_path / "j").close()


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="sync"):
        JournaledRouter.open(tmp_path, init=Router(), sync="never")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="checkpoint_records"):
        JournaledRouter.open(tmp_path, init=Router(), checkpoint_records=0)
    with pytest.raises(InvalidArgument, match="group_ms"):
        JournaledRouter.open(tmp_path, init=Router(), group_ms=-1)
    with pytest.raises(TypeError, match="open"):
        JournaledRouter()


def test_a_closed_journal_refuses_calls(tmp_path: Path) -> None:
    jr = journaled(tmp_path / "j", 3)
    jr.close()
    jr.close()  # idempotent
    assert jr.closed
    with pytest.raises(RoutingStateError, match="closed"):
        jr.advance(100.0)


def test_a_failed_write_stops_the_journaled_router(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 30)
    on_disk = jr.snapshot()
    # Fault injection: the journal's file descriptor goes bad under it.
    os.close(jr._fd)
    with pytest.raises(JournalError, match="write failed"):
        jr.advance(jr.now + 1)
    with pytest.raises(JournalError, match="earlier failure"):
        jr.advance(jr.now + 2)
    jr._fd = os.open(os.devnull, os.O_RDONLY)  # so close() has something to close
    jr.close()
    assert recover(folder).snapshot() == on_disk


def test_a_refused_call_never_stops_the_journal(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 30)
    for bad in (
        lambda: jr.advance(10**400),  # OverflowError inside float() once
        lambda: jr.add_agent(AgentSpec("x", languages=None), now=jr.now),  # TypeError once
        lambda: jr.add_agent(AgentSpec(["x"]), now=jr.now),  # type: ignore[arg-type]
        lambda: jr.submit(ContactSpec("\ud800", "voice", "standard"), now=jr.now),
        lambda: jr.accept("o1\ud800", now=jr.now),  # a lookup the journal cannot write
        lambda: jr.add_agent(AgentSpec("x", attributes={"s": {1}}), now=jr.now),
    ):
        with pytest.raises(InvalidArgument):
            bad()
        assert jr._failed is None
    run(jr, 30, 40)  # the journal carries on
    live = jr.snapshot()
    jr.close()
    assert recover(folder).snapshot() == live


def test_an_invariant_failure_stops_the_journal_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 30)
    on_disk = jr.snapshot()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an invariant does not hold")  # a bug inside the router

    monkeypatch.setattr(jr.router, "_advance_trusted", broken)
    with pytest.raises(JournalError, match="invariant failure") as info:
        jr.advance(jr.now + 1)
    assert isinstance(info.value.__cause__, AssertionError)
    assert "I/O" not in str(info.value)
    with pytest.raises(JournalError, match=r"earlier failure.*invariant failure"):
        jr.submit(ContactSpec("z", "voice", "standard"), now=jr.now + 2)
    jr.close()
    assert recover(folder).snapshot() == on_disk


def test_an_io_failure_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 5)
    os.close(jr._fd)
    with pytest.raises(JournalError, match="I/O failure: journal write failed"):
        jr.advance(jr.now + 1)
    with pytest.raises(JournalError, match=r"earlier failure.*I/O failure"):
        jr.advance(jr.now + 2)
    jr._fd = os.open(os.devnull, os.O_RDONLY)
    jr.close()


# ---------------------------------------------------------------------- compaction


def test_checkpoint_starts_a_new_segment_and_drops_the_old(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 100)
    first = segment(folder)
    snap = jr.checkpoint()
    assert jr.generation == 2
    assert not first.exists()
    assert snap == jr.snapshot()
    [head] = journal_records(folder)
    assert (head.op, head.seq) == ("snapshot", 100)
    run(jr, 100, 200)
    before = jr.snapshot()
    jr.close()
    assert recover(folder).snapshot() == before
    assert sorted(p.name for p in folder.iterdir()) == ["lock", "segment-0000000002.trj"]


@pytest.mark.parametrize("option", ["checkpoint_records", "checkpoint_bytes"])
def test_automatic_checkpoints(tmp_path: Path, option: str) -> None:
    folder = tmp_path / "j"
    limit = 40 if option == "checkpoint_records" else 8000
    jr = journaled(folder, 300, **{option: limit})
    assert jr.generation > 3
    records = journal_records(folder)
    if option == "checkpoint_records":
        assert len(records) <= limit
    else:
        assert records[-1].offset < records[1].offset + limit
    before = jr.snapshot()
    jr.close()
    got = recover(folder)
    got._check()
    # Explanation-only data may differ across a restore (see crash_worker.comparable).
    assert cw.comparable(got.snapshot()) == cw.comparable(before)
    ref = cw.make_router()
    run(ref, 0, 300)
    assert run(got, 300, 400) == run(ref, 300, 400)


def test_leftovers_of_an_interrupted_compaction_are_harmless(tmp_path: Path) -> None:
    folder = tmp_path / "j"
    jr = journaled(folder, 50)
    old = segment(folder).read_bytes()
    jr.checkpoint()
    run(jr, 50, 80)
    before = jr.snapshot()
    jr.close()
    # A crash after the new segment was installed, before the old one was deleted,
    # and a temp file of a later checkpoint that never completed.
    (folder / "segment-0000000001.trj").write_bytes(old)
    (folder / ".tmp-segment-0000000003.trj").write_bytes(b"partial")
    assert recover(folder).snapshot() == before
    with JournaledRouter.open(folder) as jr:
        assert jr.snapshot() == before
    assert sorted(p.name for p in folder.iterdir()) == ["lock", "segment-0000000002.trj"]


# ---------------------------------------------------------------------- durability


class FakeTimer:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_group_sync_waits_at_most_group_ms(tmp_path: Path) -> None:
    timer = FakeTimer()
    jr = journaled(tmp_path / "j", 0, sync="group", group_ms=10.0, timer=timer)
    assert jr.next_sync_in() is None
    jr.add_agent(cw.agent_spec(0), now=0.0)  # the last sync (at open) is 0 ms old
    assert jr.next_sync_in() == pytest.approx(0.010)
    assert not jr.sync_if_due()
    timer.t += 0.004
    jr.add_agent(cw.agent_spec(1), now=0.0)
    assert jr.next_sync_in() == pytest.approx(0.006)
    timer.t += 0.0065
    assert jr.next_sync_in() == 0.0
    assert jr.sync_if_due()
    assert jr.next_sync_in() is None
    timer.t += 0.050  # the first record after a quiet spell is synced at once
    jr.add_agent(cw.agent_spec(2), now=0.0)
    assert jr.next_sync_in() is None
    jr.add_agent(cw.agent_spec(3), now=0.0)
    assert jr.next_sync_in() is not None
    jr.flush()
    assert jr.next_sync_in() is None
    jr.close()


def test_always_and_os_policies(tmp_path: Path) -> None:
    always = journaled(tmp_path / "a", 20, sync="always")
    assert not always._dirty and always.next_sync_in() is None
    os_only = journaled(tmp_path / "o", 20, sync="os")
    assert os_only._dirty and os_only.next_sync_in() is None  # never synced on its own
    assert not os_only.sync_if_due()
    os_only.flush()
    assert not os_only._dirty
    for jr in (always, os_only):
        assert jr.sync in ("always", "os")
        jr.close()


def test_measure_journal_overhead_reports_each_policy(tmp_path: Path) -> None:
    got = measure_journal_overhead(90, directory=tmp_path)
    assert set(got) == {"bare", "os", "os_overhead", "group", "group_overhead", "always"} | {
        "always_overhead"
    }
    assert all(v > 0 for k, v in got.items() if not k.endswith("overhead"))


def test_snapshot_files(tmp_path: Path) -> None:
    ref = cw.make_router()
    run(ref, 0, 100)
    save_snapshot(tmp_path / "s.json", ref.snapshot())
    assert load_snapshot(tmp_path / "s.json").snapshot() == ref.snapshot()
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InvalidArgument, match=r"bad\.json"):
        load_snapshot(tmp_path / "bad.json")
