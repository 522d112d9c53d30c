"""Every script in examples/ runs and does what it prints."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("done")


def test_demo_output_shows_each_helper(tmp_path: Path) -> None:
    demo = next(path for path in EXAMPLES if path.name == "demo.py")
    result = subprocess.run(
        [sys.executable, str(demo)], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    out = result.stdout
    for call in ("write_row", "get_row", "update_row", "bulk_upsert_mappings", "delete_row"):
        assert f"  {call}(" in out
        assert f"await a_{call}(" in out
    assert "get_row(1, Hero) after delete" in out
    assert "-> (False, None)" in out
