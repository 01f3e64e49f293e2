"""The write-ahead journal: every call of a router on disk before its offers are
returned, recovered after a crash to the same state.

May import: :mod:`tierroute.routing`, :mod:`tierroute.models`, :mod:`tierroute.errors`.
"""

from tierroute.hosting.journal.writer import (
    FORMAT_VERSION,
    JournalCorrupt,
    JournaledRouter,
    JournalError,
    JournalRecord,
    JournalReplayError,
    JournalVersionError,
    SyncPolicy,
    TornRecordWarning,
    journal_records,
    load_snapshot,
    measure_journal_overhead,
    recover,
    save_snapshot,
)

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
    "measure_journal_overhead",
    "recover",
    "save_snapshot",
]
