"""Reading the documentation: its fenced code blocks, their info strings, and its links.

The fenced blocks of ``README.md``, ``MIGRATION_GUIDE.md``, ``CHANGELOG.md``, ``CONTRIBUTING.md``
and ``docs/**/*.md`` are collected by ``tests/test_docs.py`` (one test per block, named
``<file>:<line>``).  What happens to a block depends on its info string, the words after the
opening fence:

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
    of ``EXTERNAL_PROGRAMS`` (``tests/doc_checks.py``).  ``sqlmodel-crud`` belongs in ``bash cli``
    blocks.
``bash`` (no kind)
    Classified from its commands: ``check`` when every command is one a ``check`` block accepts,
    ``cli`` when every command is a ``sqlmodel-crud`` call or a shell built-in.  A block that fits
    neither fails: give it a kind.  (The first two ``bash`` blocks of the README stay unmarked:
    ``.ci/run`` finds the test command by its bare fence.)

Both languages

Every Python and shell block is run or checked: there is no way to switch one off.  Unknown words
in a ``python`` or shell info string fail the test, so a typo never turns a block off; so does
``no-run``, which is no longer accepted (make the block ``python``, ``python requires=...``,
``python signature``, ``bash cli`` or ``bash check``).  Blocks in other languages (``text``,
``sql``, ``toml``, ...) are not code samples and are left alone.

Relative Markdown links must point to an existing file, and an ``#anchor`` into a Markdown file
must name one of its headings.

Modules: this one reads the Markdown; ``tests/doc_runs.py`` runs ``python`` and ``bash cli``
blocks; ``tests/doc_checks.py`` compares ``python signature`` blocks with the code and checks
``bash check`` blocks; ``tests/test_docs.py`` holds the tests, ``tests/test_docs_machinery.py``
the self-tests of this machinery.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell"})
_SHELL_KINDS = frozenset({"cli", "check"})
_SERVICES = frozenset({"postgresql", "redis"})

#: What to write instead of the ``no-run`` of earlier versions.
NO_RUN_HINT = (
    "`no-run` is no longer accepted: every sample is run or checked; use `python`, "
    "`python requires=SERVICE`, `python signature`, `bash cli` or `bash check` "
    "(see tests/doc_blocks.py)"
)

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
        return self.language == "python" or self.language in SHELL_LANGUAGES

    @property
    def runs(self) -> bool:
        """A Python block that runs as a script (``requires=`` or not)."""
        return self.language == "python" and "signature" not in self.options

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
            if word == "signature":
                continue
            if word.startswith("requires="):
                unknown = sorted(set(block.requires) - _SERVICES) or (
                    [] if block.requires else ["(nothing)"]
                )
                if unknown:
                    return f"unknown service {', '.join(unknown)} (known: {sorted(_SERVICES)})"
                continue
            if word == "no-run":
                return f"unknown word 'no-run': {NO_RUN_HINT}"
            return f"unknown word {word!r} (use signature or requires=SERVICE)"
        if "signature" in block.options and block.requires:
            return "signature cannot be combined with other options"
        return None
    if len(block.options) > 1 or (block.options and block.options[0] not in _SHELL_KINDS):
        kind = " ".join(block.options)
        if "no-run" in block.options:
            return f"unknown shell kind {kind!r}: {NO_RUN_HINT}"
        return f"unknown shell kind {kind!r} (use cli or check)"
    return None


# --------------------------------------------------------------------------- shell commands

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


def program_and_args(words: list[str]) -> tuple[str, list[str]]:
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


def is_python(program: str) -> bool:
    return re.fullmatch(r"python(3(\.\d+)?)?", program) is not None


def is_cli_command(words: list[str]) -> bool:
    program, args = program_and_args(words)
    if program == "sqlmodel-crud":
        return True
    return is_python(program) and args[:2] == ["-m", "sqlmodel_crud_utils"]


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
