"""The write-ahead journal: every call of a router on disk before its offers are
returned, recovered after a crash to the same state.

A call that succeeds is appended to the journal *before* its offers are returned; a
call that raises records nothing (unless timers due at its time fired before it was
found invalid: the router then stands as ``advance(now)`` would leave it, and that
``advance`` is recorded). Each record carries the resolved ``now``, so replay never
reads a clock, and because the router is deterministic, replaying the recorded calls
on the snapshot they follow rebuilds the state exactly. :func:`recover` does that
read-only; :meth:`JournaledRouter.open` does it and then carries on appending.

The package, by concern:

- :mod:`.format` — the bytes: segment header, record frames, checksums, the scan that
  tells a torn tail from damage;
- :mod:`.codec` — what a record's JSON holds (the call's arguments are encoded by
  :class:`~tierroute.hosting.operations.Operation`);
- :mod:`.migrations` — records of older formats upgraded before replay;
- :mod:`.files` — atomic writes, folder syncs, the writer's lock, new segments, cleanup;
- :mod:`.recovery` — replay, :func:`recover`, :func:`journal_records`, snapshot files;
- :mod:`.writer` — :class:`JournaledRouter`: appending, durability policies,
  checkpoints.

Why an append-only file and not SQLite
--------------------------------------
SQLite in WAL mode was the alternative. The file was chosen because

- the durability policies map one to one onto ``os.write`` and ``fdatasync``: one
  write and at most one sync per call, group sync without threads, nothing else
  on the hot path (SQLite adds a transaction, page writes and WAL frame headers
  per insert, and its ``synchronous`` levels do not express "at most every N ms");
- a torn tail is detectable and repairable by design (length plus two checksums,
  truncate at the offset), and damage anywhere else can be reported by file and
  byte offset; SQLite would either hide it or report "database disk image is
  malformed";
- compaction is a whole-file ``os.replace``, which is atomic, and recovery never
  needs to reconcile two stores (the snapshot lives in the segment it starts);
- it needs nothing but the standard library and is easy to inspect.

The cost: no ad-hoc queries over the history (use :func:`journal_records`).

>>> import tempfile, pathlib
>>> from tierroute import AgentSpec, ContactSpec, Router
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name) / "journal"
>>> with JournaledRouter.open(folder, init=Router()) as jr:
...     _ = jr.add_agent(AgentSpec("ana"), presence="ready", now=0.0)
...     [offer] = jr.submit(ContactSpec("c1", "voice", "standard"), now=1.0)
>>> offer.agent_id
'ana'
>>> recover(folder).contact_status("c1").state.value
'offered'
>>> tmp.cleanup()

May import: :mod:`tierroute.routing`, :mod:`tierroute.hosting.operations` and the
top-level modules.
"""

from tierroute.errors import (
    JournalCorrupt,
    JournalError,
    JournalReplayError,
    JournalVersionError,
    TornRecordWarning,
)
from tierroute.hosting.journal.format import FORMAT_VERSION
from tierroute.hosting.journal.recovery import (
    JournalRecord,
    journal_records,
    load_snapshot,
    recover,
    save_snapshot,
)
from tierroute.hosting.journal.writer import JournaledRouter, SyncPolicy

__all__ = [
    "FORMAT_VERSION",
    "JournalCorrupt",
    "JournalError",
    "JournalRecord",
    "JournalReplayError",
    "JournalVersionError",
    "JournaledRouter",
    "SyncPolicy",
    "TornRecordWarning",
    "journal_records",
    "load_snapshot",
    "recover",
    "save_snapshot",
]
