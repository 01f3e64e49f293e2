"""Formats outlive a release: snapshots and journals written by earlier releases
(committed under ``tests/fixtures/v<N>/`` by ``tests/fixtures/make_fixtures.py``) are
restored by today's code, and the restored router decides exactly as recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.make_fixtures import continuation, state
from tierroute import JournaledRouter, Router, recover

FIXTURES = Path(__file__).parent / "fixtures"
VERSIONS = sorted(p for p in FIXTURES.glob("v*") if p.is_dir())


def expected(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "expected.json").read_text())
    return data


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def test_there_are_fixtures() -> None:
    assert [p.name for p in VERSIONS][:1] == ["v1"]


@pytest.mark.parametrize("folder", VERSIONS, ids=lambda p: p.name)
def test_old_snapshot_restores_and_decides_as_recorded(folder: Path) -> None:
    snap = json.loads((folder / "snapshot.json").read_text())
    r = Router.restore(snap)
    want = expected(folder)
    assert as_json(state(r)) == want["state"]
    assert r.tracker is not None
    assert as_json(continuation(r)) == want["continuation"]


@pytest.mark.parametrize("folder", VERSIONS, ids=lambda p: p.name)
def test_old_journal_recovers_and_decides_as_recorded(folder: Path) -> None:
    r = recover(folder / "journal")
    want = expected(folder)
    assert as_json(state(r)) == want["state"]
    assert as_json(continuation(r)) == want["continuation"]


@pytest.mark.parametrize("folder", VERSIONS, ids=lambda p: p.name)
def test_old_journal_reopens_for_append(folder: Path, tmp_path: Path) -> None:
    shutil.copytree(folder / "journal", tmp_path / "j")
    want = expected(folder)
    with JournaledRouter.open(tmp_path / "j", checkpoint_records=None) as jr:
        assert as_json(state(jr.router)) == want["state"]
        log = continuation(jr)  # journaled calls, same decisions
    assert as_json(log) == want["continuation"]
    # and what was appended to the old journal replays to the same state
    with JournaledRouter.open(tmp_path / "j") as again:
        assert again.snapshot() == jr.snapshot()
