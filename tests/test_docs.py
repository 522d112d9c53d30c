"""Every code sample of the documentation is run or checked, and its relative links lead somewhere.

The fenced blocks of ``README.md``, ``MIGRATION_GUIDE.md``, ``CHANGELOG.md``, ``CONTRIBUTING.md``
and ``docs/**/*.md`` are collected (one test per block, named ``<file>:<line>``).  What happens to
a block depends on its info string, the words after the opening fence:

Python (```` ```python ````)

``python``
    Run as a script in a fresh interpreter, in an empty temporary directory, with no database
    settings in the environment.  The block must be self-contained (its own imports, models and
    in-memory or temporary SQLite database) and fail when it goes wrong: assert or print what it
    shows.
``python requires=postgresql`` / ``requires=redis`` / ``requires=postgresql,redis``
    Run like ``python`` when the services answer, skipped with the reason otherwise
    (``SCU_REQUIRE_POSTGRES=1`` / ``SCU_REQUIRE_REDIS=1`` turn the skip into a failure, as in the
    rest of the suite).  The block finds its services in the environment: ``DATABASE_URL`` names a
    PostgreSQL database created for the block and dropped afterwards (from
    ``SCU_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``),
    ``REDIS_URL`` a Redis database (``SCU_TEST_REDIS_URL``, default
    ``redis://127.0.0.1:6379/15``); a block must clean up what it writes to Redis.
``python signature``
    An API synopsis, not run: each statement ``result = name(parameters)`` (optionally with
    ``await``, or as ``with name(...) as x: ...``) must match ``inspect.signature`` of
    ``sqlmodel_crud_utils.name`` (a dotted name is imported): the same parameter names, kinds and
    defaults.  ``name(...)`` means "the same parameters as the statement before it".

Shell (```` ```bash ````, also ``sh`` and ``shell``)

``bash cli``
    Commands of the ``sqlmodel-crud`` command line (or ``python -m sqlmodel_crud_utils``), run with
    ``bash -euo pipefail`` in an empty temporary directory, with ``DATABASE_URL`` naming a SQLite
    file there and the test interpreter's ``bin`` directory first on ``PATH``.  Every command must
    succeed; the block creates the files it uses.
``bash check``
    Installation and development commands (``pip install``, ``python3 -m venv``, the project's
    scripts, linters, tests, ...), checked instead of run: every extra of this project that
    ``pip install`` names exists in ``pyproject.toml``, other requirements parse, every file, folder
    and module a command refers to exists, every ``--option`` given to a project script appears in
    its ``--help``, and every program is a console script of the development environment or one
    of :data:`EXTERNAL_PROGRAMS`.  ``sqlmodel-crud`` belongs in ``bash cli`` blocks.
``bash`` (no kind)
    Classified from its commands: ``check`` when every command is one a ``check`` block accepts,
    ``cli`` when every command is a ``sqlmodel-crud`` call or a shell built-in.  A block that fits
    neither fails: give it a kind.  (The first two ``bash`` blocks of the README stay unmarked:
    ``.ci/run`` finds the test command by its bare fence.)

Both languages

``no-run``
    Shown to readers, neither run nor checked.  Only accepted, for now, in the files of
    :data:`LEGACY_NO_RUN_FILES` (each such block is reported as a skipped test); anywhere else it
    fails.  Unknown words in a ``python`` or shell info string fail too, so a typo never turns a
    block off.  Blocks in other languages (``text``, ``sql``, ``toml``, ...) are not code samples
    and are left alone.

Relative Markdown links must point to an existing file, and an ``#anchor`` into a Markdown file
must name one of its headings.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

import sqlmodel_crud_utils
from tests.support import PG_URL, _libpq_url, require_postgres

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 60
CLI_TIMEOUT_SECONDS = 120

#: Directory holding the package the tests import; examples must run against the same code.
PACKAGE_PARENT = Path(sqlmodel_crud_utils.__file__).resolve().parent.parent

#: The test interpreter's scripts directory: ``sqlmodel-crud``, ``pytest``, ``ruff``, ...
VENV_BIN = Path(sys.executable).parent

#: Files that may still contain ``no-run`` blocks, until their owners convert them.
LEGACY_NO_RUN_FILES = frozenset(
    {"docs/guide/facade.md", "docs/guide/migrations-and-cli.md", "docs/reliability.md"}
)

#: Programs a ``bash check`` block may name that the development environment does not install.
EXTERNAL_PROGRAMS = frozenset({"docker", "git", "pre-commit", "uvicorn"})

#: Shell built-ins and utilities a ``bash cli`` block may use around ``sqlmodel-crud``.
CLI_HELPERS = frozenset({"cat", "cd", "echo", "ls", "mkdir", "printf", "test", "[", "rm", "cp"})

REDIS_URL = os.environ.get("SCU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("SCU_REQUIRE_REDIS", "") == "1"

#: Environment variables that would change what an example does.
_LEAKY_VARIABLES = ("DATABASE_URL", "SQL_DIALECT", "REDIS_URL")
_LEAKY_PREFIX = "SCU_"

#: stderr text that means an example went wrong even though it exited with 0.
_STDERR_ALARMS = ("Traceback (most recent call last)", "was never awaited")

_SHELL_LANGUAGES = frozenset({"bash", "sh", "shell"})
_SHELL_KINDS = frozenset({"cli", "check"})
_SERVICES = frozenset({"postgresql", "redis"})

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # [text], one level of nested brackets
    r"\(\s*(?:<(?P<angled>[^>]*)>|(?P<bare>[^)\s]+))"  # (target or (<target>
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"  # optional "title"
)
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(?P<target>[^>\s]+)>?", re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.*?)[ \t#]*$")


def documentation_files() -> list[Path]:
    """The Markdown files whose examples and links are checked."""
    names = ("README.md", "MIGRATION_GUIDE.md", "CHANGELOG.md", "CONTRIBUTING.md")
    files = [ROOT / name for name in names]
    files.extend(sorted((ROOT / "docs").rglob("*.md")))
    return [path for path in files if path.is_file()]


def display_name(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:  # a page made by a self-test
        return path.name


@dataclass(frozen=True)
class CodeBlock:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence (or the file's last line)
    info: str
    code: str

    @property
    def language(self) -> str:
        words = self.info.split()
        return words[0].lower() if words else ""

    @property
    def options(self) -> list[str]:
        """The words of the info string after the language."""
        return self.info.split()[1:]

    @property
    def is_sample(self) -> bool:
        """A Python or shell block: something a test runs or checks."""
        return self.language == "python" or self.language in _SHELL_LANGUAGES

    @property
    def no_run(self) -> bool:
        return "no-run" in self.options

    @property
    def runs(self) -> bool:
        """A Python block that runs as a script (``requires=`` or not)."""
        return self.language == "python" and not self.no_run and "signature" not in self.options

    @property
    def requires(self) -> list[str]:
        """The services of a ``requires=`` option."""
        services: list[str] = []
        for word in self.options:
            if word.startswith("requires="):
                services.extend(name for name in word[len("requires=") :].split(",") if name)
        return services

    @property
    def name(self) -> str:
        return f"{display_name(self.path)}:{self.line}"


def _without_indent(line: str, indent: int) -> str:
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(indent, stripped) :]


def code_blocks(path: Path) -> Iterator[CodeBlock]:
    """Yield the fenced code blocks of ``path`` (an unclosed fence runs to the end)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = _FENCE.match(lines[end])
            if (
                closing is not None
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            body.append(_without_indent(lines[end], indent))
            end += 1
        code = "\n".join(body) + "\n"
        yield CodeBlock(path, index + 1, min(end + 1, len(lines)), opening["info"].strip(), code)
        index = end + 1


def sample_blocks() -> list[CodeBlock]:
    """Every Python and shell block of the documentation."""
    return [
        block for path in documentation_files() for block in code_blocks(path) if block.is_sample
    ]


def info_string_problem(block: CodeBlock) -> str | None:
    """Why the info string of a Python or shell block is not understood, or ``None``."""
    if block.language == "python":
        for word in block.options:
            if word in ("no-run", "signature"):
                continue
            if word.startswith("requires="):
                unknown = sorted(set(block.requires) - _SERVICES) or (
                    [] if block.requires else ["(nothing)"]
                )
                if unknown:
                    return f"unknown service {', '.join(unknown)} (known: {sorted(_SERVICES)})"
                continue
            return f"unknown word {word!r} (use no-run, signature or requires=SERVICE)"
        if "signature" in block.options and (block.no_run or block.requires):
            return "signature cannot be combined with other options"
        return None
    if len(block.options) > 1 or (
        block.options and block.options[0] not in _SHELL_KINDS | {"no-run"}
    ):
        return f"unknown shell kind {' '.join(block.options)!r} (use cli, check or no-run)"
    return None


def legacy_no_run_allowed(block: CodeBlock) -> bool:
    return display_name(block.path) in LEGACY_NO_RUN_FILES


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


def _run(
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


# --------------------------------------------------------------------------- Python blocks

_BLOCKS = sample_blocks()
_PYTHON = [block for block in _BLOCKS if block.language == "python"]


def _skip_no_run(block: CodeBlock) -> None:
    if block.no_run:
        if not legacy_no_run_allowed(block):
            pytest.fail(
                f"{block.name}: `no-run` is only accepted in {sorted(LEGACY_NO_RUN_FILES)}; make "
                "the block run or mark it with a kind (see tests/test_docs.py)",
                pytrace=False,
            )
        pytest.skip(f"legacy `no-run` block in {display_name(block.path)}: convert it")


@pytest.mark.parametrize("block", _PYTHON, ids=[block.name for block in _PYTHON])
def test_python_block(block: CodeBlock, tmp_path: Path) -> None:
    problem = info_string_problem(block)
    if problem:
        pytest.fail(f"{block.name}: {problem}", pytrace=False)
    _skip_no_run(block)
    if "signature" in block.options:
        check_signatures(block)
        return
    env = example_environment()
    scratch: _ScratchDatabase | None = None
    if "redis" in block.requires:
        env["REDIS_URL"] = require_redis()
    if "postgresql" in block.requires:
        require_postgres()
        scratch = _ScratchDatabase()
        env["DATABASE_URL"] = scratch.url
    try:
        _run(block, [sys.executable, "-c", block.code], tmp_path, env, TIMEOUT_SECONDS)
    finally:
        if scratch is not None:
            scratch.drop()


# --------------------------------------------------------------------------- signatures

_CALL = re.compile(
    r"^(?:async\s+with\s+|with\s+)?(?:[\w\s,]+=\s*)?(?:await\s+)?"
    r"(?P<name>[A-Za-z_][\w.]*)\((?P<parameters>.*)\)"
    r"(?:\s+as\s+\w+\s*:\s*\.\.\.)?$",
    re.DOTALL,
)


def documented_calls(code: str) -> list[tuple[str, str]]:
    """``(name, parameter text)`` of each statement of a ``python signature`` block."""
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    for raw in code.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() and depth == 0:
            continue
        current.append(line.strip())
        depth += line.count("(") - line.count(")")
        if depth == 0:
            statements.append(" ".join(current))
            current = []
    if current:
        statements.append(" ".join(current))
    calls = []
    for statement in statements:
        match = _CALL.match(statement)
        if match is None:
            raise AssertionError(f"not a documented call: {statement!r}")
        calls.append((match["name"], match["parameters"].strip()))
    return calls


def resolve(name: str) -> Any:
    """``sqlmodel_crud_utils.<name>``, or the object a dotted name leads to."""
    if "." not in name:
        return getattr(sqlmodel_crud_utils, name)
    module_name, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _shape(signature: inspect.Signature) -> list[tuple[str, str, object]]:
    return [
        (parameter.name, parameter.kind.name, parameter.default)
        for parameter in signature.parameters.values()
    ]


def documented_signature(parameters: str) -> inspect.Signature:
    """The signature written as ``parameters`` (defaults must be literals)."""
    tree = ast.parse(f"def _documented({parameters}): pass")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    args = function.args
    empty = inspect.Parameter.empty
    result: list[inspect.Parameter] = []
    positional = args.posonlyargs + args.args
    defaults = [empty] * (len(positional) - len(args.defaults)) + [
        ast.literal_eval(node) for node in args.defaults
    ]
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = (
            inspect.Parameter.POSITIONAL_ONLY
            if index < len(args.posonlyargs)
            else inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        result.append(inspect.Parameter(arg.arg, kind, default=default))
    if args.vararg is not None:
        result.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, node in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default = empty if node is None else ast.literal_eval(node)
        result.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY, default=default))
    if args.kwarg is not None:
        result.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(result)


def check_signatures(block: CodeBlock) -> None:
    """Compare every call of a ``python signature`` block with the code."""
    problems = []
    previous: inspect.Signature | None = None
    for name, parameters in documented_calls(block.code):
        try:
            actual = inspect.signature(resolve(name))
        except (AttributeError, ImportError) as exc:
            problems.append(f"{name}: not found ({exc})")
            continue
        if parameters == "...":
            if previous is None:
                problems.append(f"{name}(...): no statement before it to compare with")
                continue
            expected = previous
        else:
            expected = documented_signature(parameters)
        if _shape(actual) != _shape(expected):
            problems.append(f"{name}\n  documented: {expected}\n  actual:     {actual}")
        previous = actual
    if problems:
        pytest.fail(
            f"{block.name}: signatures differ from the code\n" + "\n".join(problems),
            pytrace=False,
        )


# --------------------------------------------------------------------------- shell blocks

_SHELL = [block for block in _BLOCKS if block.language in _SHELL_LANGUAGES]
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")"})
_REDIRECTIONS = frozenset({">", ">>", "<", "2>", "&>", "2>&1"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def shell_commands(code: str) -> list[list[str]]:
    """The simple commands of a shell block: words, without comments, operators, redirections."""
    commands: list[list[str]] = []
    text = re.sub(r"\\\n", " ", code)
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        skip_next = False
        for token in lexer:
            if skip_next:
                skip_next = False
            elif token in _OPERATORS:
                if words:
                    commands.append(words)
                words = []
            elif token in _REDIRECTIONS or set(token) <= set("<>&"):
                skip_next = not token.endswith("&1")
            else:
                words.append(token)
        if words:
            commands.append(words)
    return commands


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program of a command (``.venv/bin/`` dropped) and its arguments, after assignments."""
    index = 0
    while index < len(words) and _ASSIGNMENT.match(words[index]):
        index += 1
    if index == len(words):
        return "", []
    program = words[index]
    if program.startswith(".venv/bin/"):
        program = program[len(".venv/bin/") :]
    return program, words[index + 1 :]


def _is_python(program: str) -> bool:
    return re.fullmatch(r"python(3(\.\d+)?)?", program) is not None


def is_cli_command(words: list[str]) -> bool:
    program, args = _program(words)
    if program == "sqlmodel-crud":
        return True
    return _is_python(program) and args[:2] == ["-m", "sqlmodel_crud_utils"]


@functools.cache
def _project() -> tuple[str, frozenset[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    extras = frozenset(project.get("optional-dependencies", {}))
    return canonicalize_name(project["name"]), extras


@functools.cache
def _script_help(script: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=ROOT,
        env=example_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    return result.stdout if result.returncode == 0 else ""


class _Checker:
    """Static checks of the commands of a ``bash check`` block, from the repository root."""

    def __init__(self) -> None:
        self.cwd = ROOT
        self.problems: list[str] = []

    def problem(self, words: list[str], message: str) -> None:
        self.problems.append(f"`{shlex.join(words)}`: {message}")

    def check(self, words: list[str]) -> None:
        program, args = _program(words)
        if not program:
            return
        if program == "cd":
            target = (self.cwd / (args[0] if args else "~")).resolve()
            if not target.is_dir():
                self.problem(words, f"no folder {args[0] if args else '~'}")
            else:
                self.cwd = target
        elif is_cli_command(words):
            self.problem(words, "sqlmodel-crud commands belong in a `bash cli` block")
        elif _is_python(program):
            self.check_python(words, args)
        elif program in ("pip", "pip3"):
            self.check_pip(words, args)
        elif program == "bash":
            self.check_paths(words, [arg for arg in args if not arg.startswith("-")][:1])
        elif program == "uvicorn":
            self.check_uvicorn(words, args)
        elif program in EXTERNAL_PROGRAMS or (VENV_BIN / program).exists():
            return
        else:
            self.problem(
                words,
                f"unknown program {program!r}: not in {VENV_BIN} nor in EXTERNAL_PROGRAMS",
            )

    def check_paths(self, words: list[str], paths: list[str]) -> None:
        for path in paths:
            if not (self.cwd / path).exists():
                self.problem(words, f"no such file or folder {path}")

    def check_python(self, words: list[str], args: list[str]) -> None:
        if not args or args[0] == "-c":
            return
        if args[0] == "-m":
            module, rest = (args[1] if len(args) > 1 else ""), args[2:]
            if module == "pip":
                self.check_pip(words, rest)
            elif module != "venv" and importlib.util.find_spec(module) is None:
                self.problem(words, f"no module {module!r} in the development environment")
            return
        script = self.cwd / args[0]
        if not script.is_file():
            self.problem(words, f"no such script {args[0]}")
            return
        options = {
            word.strip("[]").split("=", 1)[0]
            for word in args[1:]
            if word.strip("[").startswith("--")
        }
        if options:
            usage = _script_help(script)
            for option in sorted(options):
                if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", usage):
                    self.problem(words, f"{args[0]} --help does not mention {option}")

    def check_pip(self, words: list[str], args: list[str]) -> None:
        if not args or args[0] != "install":
            self.problem(words, "only `pip install` is understood")
            return
        project, extras = _project()
        rest = iter(args[1:])
        for arg in rest:
            if arg in ("-r", "--requirement", "-c", "--constraint"):
                self.check_paths(words, [next(rest, "")])
                continue
            if arg.startswith("-"):
                continue
            local = re.fullmatch(r"(?P<path>\.{1,2}(?:/[^\[]*)?)(?:\[(?P<extras>[^\]]*)\])?", arg)
            if local is not None:
                path = self.cwd / local["path"]
                if not (path / "pyproject.toml").is_file():
                    self.problem(words, f"{local['path']} is not a project folder")
                named = {name.strip() for name in (local["extras"] or "").split(",") if name}
            else:
                try:
                    requirement = Requirement(arg)
                except InvalidRequirement as exc:
                    self.problem(words, f"not a requirement: {arg} ({exc})")
                    continue
                if canonicalize_name(requirement.name) != project:
                    continue
                named = set(requirement.extras)
            for extra in sorted(named - extras):
                self.problem(words, f"no extra [{extra}] in pyproject.toml (has {sorted(extras)})")

    def check_uvicorn(self, words: list[str], args: list[str]) -> None:
        targets = [arg for arg in args if ":" in arg and not arg.startswith("-")]
        if not targets:
            self.problem(words, "no MODULE:APP argument")
        for target in targets:
            module = target.split(":", 1)[0].replace(".", "/")
            if not ((self.cwd / f"{module}.py").is_file() or (self.cwd / module).is_dir()):
                self.problem(words, f"no module {target.split(':', 1)[0]} in {self.cwd}")


def shell_kind(block: CodeBlock) -> str:
    """``cli``, ``check`` or ``no-run`` from the info string, else classified from the commands."""
    if block.options:
        return block.options[0]
    commands = shell_commands(block.code)
    if (
        commands
        and all(is_cli_command(words) or _program(words)[0] in CLI_HELPERS for words in commands)
        and any(is_cli_command(words) for words in commands)
    ):
        return "cli"
    checker = _Checker()
    for words in commands:
        checker.check(words)
    if commands and not checker.problems:
        return "check"
    return "unknown"


def check_shell_block(block: CodeBlock) -> None:
    commands = shell_commands(block.code)
    if not commands:
        pytest.fail(f"{block.name}: no command in the block", pytrace=False)
    checker = _Checker()
    for words in commands:
        checker.check(words)
    if checker.problems:
        pytest.fail(
            f"{block.name}: the commands do not fit the project\n" + "\n".join(checker.problems),
            pytrace=False,
        )


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
    _run(block, [bash, "-euo", "pipefail", str(script)], work, env, CLI_TIMEOUT_SECONDS)


@pytest.mark.parametrize("block", _SHELL, ids=[block.name for block in _SHELL])
def test_shell_block(block: CodeBlock, tmp_path: Path) -> None:
    problem = info_string_problem(block)
    if problem:
        pytest.fail(f"{block.name}: {problem}", pytrace=False)
    _skip_no_run(block)
    kind = shell_kind(block)
    if kind == "cli":
        run_cli_block(block, tmp_path)
    elif kind == "check":
        check_shell_block(block)
    else:
        checker = _Checker()
        for words in shell_commands(block.code):
            checker.check(words)
        pytest.fail(
            f"{block.name}: cannot classify this `{block.info}` block; mark it `bash cli` or "
            "`bash check` (see tests/test_docs.py)\n" + "\n".join(checker.problems),
            pytrace=False,
        )


# --------------------------------------------------------------------------- links


def _prose(path: Path) -> list[tuple[int, str]]:
    """``(line number, text)`` outside fenced blocks, with code spans removed."""
    fenced: set[int] = set()
    for block in code_blocks(path):
        fenced.update(range(block.line, block.end + 1))
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        (number, _CODE_SPAN.sub("", line))
        for number, line in enumerate(lines, 1)
        if number not in fenced
    ]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file (duplicates numbered as GitHub does)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _number, line in _prose(path):
        match = _HEADING.match(line)
        if match is None:
            continue
        slug = github_slug(match["text"])
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def link_targets(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, target)`` of every inline link and link reference definition."""
    for number, line in _prose(path):
        for match in _INLINE_LINK.finditer(line):
            yield number, match["angled"] if match["angled"] is not None else match["bare"]
        for match in _REFERENCE_DEFINITION.finditer(line):
            yield number, match["target"]


def broken_link(path: Path, target: str) -> str | None:
    """Why a relative link is broken, or ``None`` when it is fine (or not relative)."""
    if not target or _SCHEME.match(target) or target.startswith("//"):
        return None
    location, _, fragment = target.partition("#")
    location = unquote(location.split("?", 1)[0])
    if location:
        base = ROOT if location.startswith("/") else path.parent
        resolved = (base / location.lstrip("/")).resolve()
        if not resolved.exists():
            return "no such file"
    else:
        resolved = path
    if (
        fragment
        and resolved.is_file()
        and resolved.suffix.lower() == ".md"
        and unquote(fragment).lower() not in anchors(resolved)
    ):
        return f"no heading with anchor #{fragment} in {display_name(resolved)}"
    return None


_FILES = documentation_files()


@pytest.mark.parametrize("path", _FILES, ids=[display_name(path) for path in _FILES])
def test_relative_links_resolve(path: Path) -> None:
    problems = [
        f"{display_name(path)}:{number}: {target} ({reason})"
        for number, target in link_targets(path)
        if (reason := broken_link(path, target)) is not None
    ]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_block_extraction_keeps_line_numbers_and_reads_info_strings(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n"
        "```python\nprint('one')\n```\n\n"
        "```python no-run\nraise SystemExit(1)\n```\n\n"
        "- item\n\n  ```python requires=postgresql,redis\n  print('indented')\n  ```\n\n"
        "````markdown\n```python\nprint('inside another fence')\n```\n````\n\n"
        "```bash cli\nsqlmodel-crud --help\n```\n",
        encoding="utf-8",
    )
    blocks = list(code_blocks(page))
    assert [(block.line, block.info, block.runs, block.is_sample) for block in blocks] == [
        (3, "python", True, True),
        (7, "python no-run", False, True),
        (13, "python requires=postgresql,redis", True, True),
        (17, "markdown", False, False),
        (23, "bash cli", False, True),
    ]
    assert blocks[2].code == "print('indented')\n"
    assert blocks[2].requires == ["postgresql", "redis"]
    assert [info_string_problem(block) for block in blocks if block.is_sample] == [None] * 4


@pytest.mark.parametrize(
    ("info", "problem"),
    [
        ("python no_run", "unknown word 'no_run'"),
        ("python requires=postgres", "unknown service postgres"),
        ("python requires=", "unknown service (nothing)"),
        ("python signature no-run", "signature cannot be combined"),
        ("bash run", "unknown shell kind 'run'"),
        ("bash cli check", "unknown shell kind 'cli check'"),
    ],
)
def test_unknown_info_strings_are_refused(info: str, problem: str) -> None:
    block = CodeBlock(ROOT / "page.md", 1, 3, info, "print(1)\n")
    assert problem in (info_string_problem(block) or "")


def test_signature_blocks_are_compared_with_the_code() -> None:
    calls = documented_calls(
        "found, row = get_row(id_str, session_inst, model,\n"
        "                     pk_field='id')  # comment (with parentheses)\n"
        "found, row = await a_get_row(...)\n"
        "with session_scope(bind, *, immediate=False) as session: ...\n"
    )
    assert calls == [
        ("get_row", "id_str, session_inst, model, pk_field='id'"),
        ("a_get_row", "..."),
        ("session_scope", "bind, *, immediate=False"),
    ]
    good = "write_row(data_row, session_inst, *, raise_on_error=False)\na_write_row(...)\n"
    check_signatures(CodeBlock(ROOT / "page.md", 1, 4, "python signature", good))
    for wrong in (
        "write_row(data_row, session_inst, *, raise_on_error=True)\n",  # default
        "write_row(row, session_inst, *, raise_on_error=False)\n",  # name
        "write_row(data_row, session_inst, raise_on_error=False)\n",  # kind
        "no_such_helper(x)\n",
    ):
        with pytest.raises(pytest.fail.Exception, match="signatures differ"):
            check_signatures(CodeBlock(ROOT / "page.md", 1, 3, "python signature", wrong))


def test_shell_commands_are_split_and_classified() -> None:
    assert shell_commands(
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[async]"  # note\n'
        "SCU_REQUIRE_POSTGRES=1 .venv/bin/python -m pytest -q > log.txt\n"
        "sqlmodel-crud table create t \\\n  name:str | cat\n"
    ) == [
        ["python3", "-m", "venv", ".venv"],
        [".venv/bin/pip", "install", "-q", "-e", ".[async]"],
        ["SCU_REQUIRE_POSTGRES=1", ".venv/bin/python", "-m", "pytest", "-q"],
        ["sqlmodel-crud", "table", "create", "t", "name:str"],
        ["cat"],
    ]

    def kind(code: str, info: str = "bash") -> str:
        return shell_kind(CodeBlock(ROOT / "page.md", 1, 3, info, code))

    assert kind('pip install "sqlmodel-crud-utilities[async,postgres]"\n') == "check"
    assert kind(".venv/bin/python scripts/build_docs.py [--out site]\n") == "check"
    assert kind("sqlmodel-crud table list\npython -m sqlmodel_crud_utils db info\n") == "cli"
    assert kind("sqlmodel-crud table list\n", "bash check") == "check"  # marked: not guessed
    assert kind("pip install -e .\nsqlmodel-crud table list\n") == "unknown"  # mixed
    assert kind("make html\n") == "unknown"
    assert kind("# only a comment\n") == "unknown"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ('pip install "sqlmodel-crud-utilities[asyncio]"', "no extra [asyncio]"),
        ('.venv/bin/pip install -e ".[docs]"', "no extra [docs]"),
        ("pip install 'fastapi>=>1'", "not a requirement"),
        ("pip install -r requirements-none.txt", "no such file or folder"),
        ("pip uninstall x", "only `pip install`"),
        (".venv/bin/python scripts/no_such_script.py", "no such script"),
        (".venv/bin/python scripts/unasync.py --chek", "does not mention --chek"),
        ("python -m no_such_module_here", "no module 'no_such_module_here'"),
        ("cd no-such-folder", "no folder"),
        ("cd examples && uvicorn fastapi_app.nothing:app", "no module fastapi_app.nothing"),
        ("bash .ci/missing", "no such file or folder"),
        ("make html", "unknown program 'make'"),
        ("sqlmodel-crud table list", "belong in a `bash cli` block"),
    ],
)
def test_check_blocks_find_what_does_not_fit_the_project(code: str, problem: str) -> None:
    block = CodeBlock(ROOT / "page.md", 1, 3, "bash check", code + "\n")
    with pytest.raises(pytest.fail.Exception, match=re.escape(problem)):
        check_shell_block(block)


def test_check_blocks_accept_the_project_commands() -> None:
    code = (
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" "matplotlib>=3.8"\n'
        ".venv/bin/python scripts/unasync.py --check\n"
        "SCU_REQUIRE_POSTGRES=1 .venv/bin/python -m pytest -q\n"
        ".venv/bin/ruff check . && .venv/bin/mypy\n"
        "cd examples\nuvicorn fastapi_app.main:app --reload\n"
    )
    check_shell_block(CodeBlock(ROOT / "page.md", 1, 7, "bash check", code))


def test_cli_blocks_run_in_an_empty_folder_and_fail_on_the_first_error(tmp_path: Path) -> None:
    code = (
        "sqlmodel-crud table create authors name:str:unique\n"
        "sqlmodel-crud data insert authors -f name=Ada\n"
        "sqlmodel-crud data list authors -f json | grep -q Ada\n"
        'test "$(ls)" = ""  # the database lives outside the working folder\n'
    )
    run_cli_block(CodeBlock(ROOT / "page.md", 1, 6, "bash cli", code), tmp_path / "ok")
    failing = CodeBlock(ROOT / "page.md", 1, 4, "bash cli", "sqlmodel-crud data list nowhere\n")
    (tmp_path / "bad").mkdir()
    with pytest.raises(pytest.fail.Exception, match="the example failed"):
        run_cli_block(failing, tmp_path / "bad")
    without_cli = CodeBlock(ROOT / "page.md", 1, 3, "bash cli", "echo hello\n")
    with pytest.raises(pytest.fail.Exception, match="runs no sqlmodel-crud command"):
        run_cli_block(without_cli, tmp_path)


def test_no_run_blocks_remain_only_in_legacy_files() -> None:
    legacy = [block.name for block in _BLOCKS if block.no_run and legacy_no_run_allowed(block)]
    elsewhere = [
        block.name for block in _BLOCKS if block.no_run and not legacy_no_run_allowed(block)
    ]
    assert not elsewhere, f"`no-run` blocks outside {sorted(LEGACY_NO_RUN_FILES)}: {elsewhere}"
    if legacy:
        warnings.warn(
            f"{len(legacy)} legacy `no-run` blocks remain: {', '.join(legacy)}", stacklevel=1
        )


def test_link_checker_finds_missing_files_and_anchors() -> None:
    assert github_slug("Upgrading from upstream 0.1\u20130.4") == "upgrading-from-upstream-0104"
    assert github_slug("`get_rows` filter grammar") == "get_rows-filter-grammar"
    page = ROOT / "docs" / "page.md"  # resolved relative to docs/, never created
    assert broken_link(page, "https://example.com/x.md") is None
    assert broken_link(page, "missing-file.md") == "no such file"
