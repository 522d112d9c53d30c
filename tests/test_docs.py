"""The documentation's examples run, and its relative links lead somewhere.

Every fenced block whose info string starts with ``python`` in ``README.md``,
``MIGRATION_GUIDE.md``, ``CHANGELOG.md`` and ``docs/**/*.md`` is run as a script in
a fresh interpreter (one test per block, named ``<file>:<line>``).  Blocks marked
``python no-run`` are shown to readers but not run.  Each block must therefore be
self-contained: its own imports, models and (in-memory or temporary) database.

Relative Markdown links must point to an existing file, and an ``#anchor`` into a
Markdown file must name one of its headings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

import sqlmodel_crud_utils

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 60

#: Directory holding the package the tests import; examples must run against the same code.
PACKAGE_PARENT = Path(sqlmodel_crud_utils.__file__).resolve().parent.parent

#: Environment variables that would change what an example does.
_LEAKY_VARIABLES = ("DATABASE_URL", "SQL_DIALECT")
_LEAKY_PREFIX = "SCU_"

#: stderr text that means an example went wrong even though it exited with 0.
_STDERR_ALARMS = ("Traceback (most recent call last)", "was never awaited")

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
    files = [ROOT / name for name in ("README.md", "MIGRATION_GUIDE.md", "CHANGELOG.md")]
    files.extend(sorted((ROOT / "docs").rglob("*.md")))
    return [path for path in files if path.is_file()]


def display_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class CodeBlock:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence (or the file's last line)
    info: str
    code: str

    @property
    def runs(self) -> bool:
        words = self.info.split()
        return bool(words) and words[0].lower() == "python" and "no-run" not in words[1:]

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


def runnable_blocks() -> list[CodeBlock]:
    return [block for path in documentation_files() for block in code_blocks(path) if block.runs]


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


_BLOCKS = runnable_blocks()


@pytest.mark.parametrize("block", _BLOCKS, ids=[block.name for block in _BLOCKS])
def test_example_runs(block: CodeBlock, tmp_path: Path) -> None:
    try:
        result = subprocess.run(
            [sys.executable, "-c", block.code],
            cwd=tmp_path,
            env=example_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        pytest.fail(
            f"{block.name}: the example did not finish within {TIMEOUT_SECONDS}s\n"
            f"--- stderr ---\n{stderr}",
            pytrace=False,
        )
    alarms = [alarm for alarm in _STDERR_ALARMS if alarm in result.stderr]
    if result.returncode != 0 or alarms:
        reason = f"exit status {result.returncode}" if result.returncode else ", ".join(alarms)
        pytest.fail(
            f"{block.name}: the example failed ({reason})\n--- stderr ---\n{result.stderr}",
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


def test_block_extraction_keeps_line_numbers_and_skips_no_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n"
        "```python\nprint('one')\n```\n\n"
        "```python no-run\nraise SystemExit(1)\n```\n\n"
        "- item\n\n  ```python\n  print('indented')\n  ```\n\n"
        "````markdown\n```python\nprint('inside another fence')\n```\n````\n",
        encoding="utf-8",
    )
    blocks = list(code_blocks(page))
    assert [(block.line, block.info, block.runs) for block in blocks] == [
        (3, "python", True),
        (7, "python no-run", False),
        (13, "python", True),
        (17, "markdown", False),
    ]
    assert blocks[2].code == "print('indented')\n"


def test_link_checker_finds_missing_files_and_anchors() -> None:
    assert github_slug("Upgrading from upstream 0.1\u20130.4") == "upgrading-from-upstream-0104"
    assert github_slug("`get_rows` filter grammar") == "get_rows-filter-grammar"
    page = ROOT / "docs" / "page.md"  # resolved relative to docs/, never created
    assert broken_link(page, "https://example.com/x.md") is None
    assert broken_link(page, "missing-file.md") == "no such file"
