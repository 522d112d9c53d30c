"""The benchmark script runs end to end and verifies every case (behaviour only, never timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "run.py"

pytest.importorskip("aiosqlite")


@pytest.mark.timeout(900)
def test_quick_benchmark_verifies_every_case(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--backends", "sqlite", "--json", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]

    report = json.loads(out.read_text())
    results = report["results"]
    assert report["all_verified"] is True
    assert {entry["target"] for entry in results} == {"sqlite3", "aiosqlite"}
    unverified = [
        (e["target"], e["op"], e["impl"], e["errors"]) for e in results if not e["verified"]
    ]
    assert unverified == []
    for entry in results:
        assert len(entry["rounds_s"]) == report["meta"]["rounds"]
    seen = {(entry["op"], entry["impl"]) for entry in results}
    for op in ("insert", "upsert", "insert1", "get", "page", "update", "delete"):
        assert (op, "raw") in seen
        assert (op, "core") in seen
    for case in (
        ("insert", "insert_data_rows"),
        ("insert", "bulk_upsert_mappings"),
        ("insert", "bulk_insert_mappings"),
        ("upsert", "bulk_upsert_mappings"),
        ("get", "get_row"),
        ("page", "get_rows"),
        ("update", "update_row"),
        ("delete", "delete_row"),
        ("hooks", "write_row + 3 no-op hooks"),
        ("insert1", "core, transaction per call"),
        ("insert1", "facade.insert"),
        ("pool", "get_row, new connection per call"),
    ):
        assert case in seen
    targeted = [entry for entry in results if entry["target_limit"] is not None]
    assert targeted
    assert all(entry["met"] in (True, False) for entry in targeted)


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--backends", "oracle"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert "unknown backend" in completed.stderr
