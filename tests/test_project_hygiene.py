"""The project's CI workflows, issue forms and pre-commit hooks are valid and do what they claim.

The GitHub workflow and issue-form files are validated against the JSON schemas that
``check-jsonschema`` vendors (the ones GitHub's editors use), the pre-commit file with
``pre-commit validate-config``; the tests then check the promises the contributing guide makes
about them: the test matrix, the PostgreSQL service, the release checks and the pinned hooks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ISSUE_FORMS = [
    path
    for path in sorted((ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml"))
    if path.name != "config.yml"  # the template chooser, not a form
]
BIN = Path(sys.executable).parent


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_files_exist() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"lint.yml", "tests.yml", "docs.yml", "release.yml"} <= names
    assert ISSUE_FORMS
    assert (ROOT / ".github" / "pull_request_template.md").is_file()
    assert (ROOT / ".pre-commit-config.yaml").is_file()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_matches_the_github_schema(path: Path) -> None:
    result = run(
        str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", ISSUE_FORMS, ids=lambda path: path.name)
def test_issue_form_matches_the_github_schema(path: Path) -> None:
    result = run(
        str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", str(path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps: []\n", encoding="utf-8")  # no runs-on
    result = run(
        str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)
    )
    assert result.returncode != 0


def test_tests_run_on_every_python_with_sqlite_and_postgresql() -> None:
    jobs = load(ROOT / ".github" / "workflows" / "tests.yml")["jobs"]
    versions = {
        version for job in jobs.values() for version in job["strategy"]["matrix"]["python-version"]
    }
    assert versions == {"3.10", "3.11", "3.12", "3.13"}
    postgres_jobs = [job for job in jobs.values() if "postgres" in job.get("services", {})]
    assert postgres_jobs
    for job in postgres_jobs:
        assert job["env"]["SCU_REQUIRE_POSTGRES"] in ("1", 1)
        assert any("pytest" in step.get("run", "") for step in job["steps"])


def test_release_builds_and_checks_both_distributions() -> None:
    steps = load(ROOT / ".github" / "workflows" / "release.yml")["jobs"]
    commands = " ".join(step.get("run", "") for job in steps.values() for step in job["steps"])
    assert "python -m build" in commands
    assert "twine check" in commands


def test_lint_and_docs_workflows_run_the_project_checks() -> None:
    lint = " ".join(
        step.get("run", "")
        for job in load(ROOT / ".github" / "workflows" / "lint.yml")["jobs"].values()
        for step in job["steps"]
    )
    for check in ("ruff check", "ruff format --check", "mypy examples", "unasync.py --check"):
        assert check in lint, check
    docs = " ".join(
        step.get("run", "")
        for job in load(ROOT / ".github" / "workflows" / "docs.yml")["jobs"].values()
        for step in job["steps"]
    )
    assert "build_docs.py" in docs
    assert "tests/test_docs.py" in docs


def test_pre_commit_config_is_valid_and_pinned_like_the_dev_extra() -> None:
    config = ROOT / ".pre-commit-config.yaml"
    result = run(str(BIN / "pre-commit"), "validate-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    repos = load(config)["repos"]
    ruff = next(repo for repo in repos if "ruff-pre-commit" in repo["repo"])
    pin = re.search(r'"ruff==([0-9.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pin is not None
    assert ruff["rev"] == f"v{pin.group(1)}"
    hook_ids = {hook["id"] for repo in repos for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "mypy", "unasync-check"} <= hook_ids
    local = {
        hook["id"]: hook for repo in repos if repo["repo"] == "local" for hook in repo["hooks"]
    }
    assert local["unasync-check"]["entry"] == "python scripts/unasync.py --check"
