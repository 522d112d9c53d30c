"""Running the ``python`` and ``bash cli`` blocks of the documentation.

The conventions are documented in ``tests/doc_blocks.py``.

Each block runs in a fresh process, in an empty temporary directory, with an environment that
imports the package under test and holds no database settings but the ones the block is given.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import sqlmodel_crud_utils
from tests.doc_blocks import CodeBlock, is_cli_command, shell_commands
from tests.support import PG_URL, _libpq_url, require_postgres

TIMEOUT_SECONDS = 60
CLI_TIMEOUT_SECONDS = 120

#: Directory holding the package the tests import; examples must run against the same code.
PACKAGE_PARENT = Path(sqlmodel_crud_utils.__file__).resolve().parent.parent

#: The test interpreter's scripts directory: ``sqlmodel-crud``, ``pytest``, ``ruff``, ...
VENV_BIN = Path(sys.executable).parent

REDIS_URL = os.environ.get("SCU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("SCU_REQUIRE_REDIS", "") == "1"

#: Environment variables that would change what an example does.
_LEAKY_VARIABLES = ("DATABASE_URL", "SQL_DIALECT", "REDIS_URL")
_LEAKY_PREFIX = "SCU_"

#: stderr text that means an example went wrong even though it exited with 0.
_STDERR_ALARMS = ("Traceback (most recent call last)", "was never awaited")


def example_environment() -> dict[str, str]:
    """The test's environment without database settings, importing the package under test."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _LEAKY_VARIABLES and not name.startswith(_LEAKY_PREFIX)
    }
    paths = [str(PACKAGE_PARENT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_example(
    block: CodeBlock, command: list[str], cwd: Path, env: dict[str, str], timeout: int
) -> None:
    """Run ``command``; fail the test on a non-zero exit, a timeout or a traceback on stderr."""
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        pytest.fail(
            f"{block.name}: the example did not finish within {timeout}s\n--- stderr ---\n{stderr}",
            pytrace=False,
        )
    alarms = [alarm for alarm in _STDERR_ALARMS if alarm in result.stderr]
    if result.returncode != 0 or alarms:
        reason = f"exit status {result.returncode}" if result.returncode else ", ".join(alarms)
        pytest.fail(
            f"{block.name}: the example failed ({reason})\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )


# --------------------------------------------------------------------------- services


def require_redis() -> str:
    """The Redis URL for a block; skip (or fail under ``SCU_REQUIRE_REDIS=1``) without a server."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        problem = f"redis is not installed ({exc})"
    else:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            client.ping()
        except Exception as exc:
            problem = f"Redis at {REDIS_URL} is unreachable: {exc}"
        else:
            return REDIS_URL
        finally:
            client.close()
    if REQUIRE_REDIS:
        pytest.fail(f"SCU_REQUIRE_REDIS=1 but {problem}")
    pytest.skip(problem)


@functools.cache
def _database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(_libpq_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


class _ScratchDatabase:
    """A PostgreSQL database made for one block and dropped afterwards.

    Without the privilege to create databases the block uses the configured database itself.
    """

    def __init__(self) -> None:
        import psycopg

        self.name: str | None = f"scu_docs_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.errors.InsufficientPrivilege:
            self.name = None
        self.url = _libpq_url(PG_URL) if self.name is None else _database_url(self.name)

    def drop(self) -> None:
        if self.name is None:
            return
        import psycopg

        with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --------------------------------------------------------------------------- blocks


def run_python_block(block: CodeBlock, tmp_path: Path) -> None:
    """Run a ``python`` block, with the services its ``requires=`` names."""
    env = example_environment()
    scratch: _ScratchDatabase | None = None
    if "redis" in block.requires:
        env["REDIS_URL"] = require_redis()
    if "postgresql" in block.requires:
        require_postgres()
        scratch = _ScratchDatabase()
        env["DATABASE_URL"] = scratch.url
    try:
        run_example(block, [sys.executable, "-c", block.code], tmp_path, env, TIMEOUT_SECONDS)
    finally:
        if scratch is not None:
            scratch.drop()


def run_cli_block(block: CodeBlock, tmp_path: Path) -> None:
    if not any(is_cli_command(words) for words in shell_commands(block.code)):
        pytest.fail(
            f"{block.name}: a `bash cli` block runs no sqlmodel-crud command", pytrace=False
        )
    env = example_environment()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env["NO_COLOR"] = "1"
    tmp_path.mkdir(parents=True, exist_ok=True)
    script = tmp_path / "block.sh"
    script.write_text(block.code, encoding="utf-8")
    bash = shutil.which("bash") or "bash"
    work = tmp_path / "work"
    work.mkdir()
    run_example(block, [bash, "-euo", "pipefail", str(script)], work, env, CLI_TIMEOUT_SECONDS)
