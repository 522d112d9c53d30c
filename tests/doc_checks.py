"""Checks of blocks that are not run (see ``tests/doc_blocks.py`` for the conventions).

``python signature`` blocks are compared with ``inspect.signature`` of the code; the commands of
``bash check`` blocks are checked against the repository and the development environment; an
unmarked ``bash`` block is classified as ``cli`` or ``check`` from its commands.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

import sqlmodel_crud_utils
from tests.doc_blocks import (
    ROOT,
    CodeBlock,
    is_cli_command,
    is_python,
    program_and_args,
    shell_commands,
)
from tests.doc_runs import TIMEOUT_SECONDS, VENV_BIN, example_environment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Programs a ``bash check`` block may name that the development environment does not install.
EXTERNAL_PROGRAMS = frozenset({"docker", "git", "pre-commit", "uvicorn"})

#: Shell built-ins and utilities a ``bash cli`` block may use around ``sqlmodel-crud``.
CLI_HELPERS = frozenset({"cat", "cd", "echo", "ls", "mkdir", "printf", "test", "[", "rm", "cp"})

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


# --------------------------------------------------------------------------- bash check


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
        program, args = program_and_args(words)
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
        elif is_python(program):
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
    """``cli`` or ``check`` from the info string, else from the commands (or ``unknown``)."""
    if block.options:
        return block.options[0]
    commands = shell_commands(block.code)
    if (
        commands
        and all(
            is_cli_command(words) or program_and_args(words)[0] in CLI_HELPERS for words in commands
        )
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


def fail_unclassified(block: CodeBlock) -> None:
    """Fail a bare ``bash`` block that is neither ``cli`` nor ``check``, saying why."""
    checker = _Checker()
    for words in shell_commands(block.code):
        checker.check(words)
    pytest.fail(
        f"{block.name}: cannot classify this `{block.info}` block; mark it `bash cli` or "
        "`bash check` (see tests/doc_blocks.py)\n" + "\n".join(checker.problems),
        pytrace=False,
    )
