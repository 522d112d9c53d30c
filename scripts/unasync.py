"""Generate the sync twin of the package and of the tests from the async source.

The async code is the only hand-written I/O code.  This script rewrites it
token by token (``async def`` -> ``def``, ``await x`` -> ``x``, ``AsyncSession``
-> ``Session``, ...) and formats the result with the project's pinned ruff.

Usage::

    python scripts/unasync.py          # regenerate every sync file
    python scripts/unasync.py --check  # fail if anything is stale, orphaned or unused

``--check`` compares whole files, reports generated files that no source
produces any more (orphans), and fails on a rewrite rule that matches nothing,
so the rule list cannot rot.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "sqlmodel_crud_utils"

HEADER = "# This file is generated from {source} by scripts/unasync.py. Do not edit it by hand.\n"
HEADER_PREFIX = "# This file is generated from "


@dataclass(frozen=True)
class Pair:
    """A source directory (or file) and where its sync twin is written."""

    source: Path
    target: Path


#: What is generated from what.  Directories map file by file (``*.py``).
PAIRS: tuple[Pair, ...] = (
    Pair(PKG / "a_sync.py", PKG / "sync.py"),
    Pair(PKG / "_async", PKG / "_sync"),
    Pair(PKG / "facade" / "aio", PKG / "facade" / "sync"),
    Pair(PKG / "migrate" / "aio", PKG / "migrate" / "sync"),
    Pair(ROOT / "tests" / "_async", ROOT / "tests" / "_sync"),
)

#: Hand-written twin modules (``_twin.py``): one per side, never generated.
HAND_WRITTEN_PREFIX = "_twin"


def _hand_written(path: Path) -> bool:
    return path.name.startswith(HAND_WRITTEN_PREFIX)


#: Ordered (pattern, replacement) rewrite rules.  Every rule must match at least
#: once across all sources, otherwise ``--check`` fails.
RULES: tuple[tuple[str, str], ...] = (
    (r"from sqlmodel\.ext\.asyncio\.session import AsyncSession", "from sqlmodel import Session"),
    (
        r"from sqlalchemy\.ext\.asyncio import (?=AsyncEngine|AsyncConnection)",
        "from sqlalchemy import ",
    ),
    (r"from sqlalchemy\.ext\.asyncio import (?=async_sessionmaker)", "from sqlalchemy.orm import "),
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\bfacade\.aio\b", "facade.sync"),
    # Async-only identifiers follow one naming convention so that few rules cover them:
    # ``async_x`` -> ``x``, ``x_async_y`` -> ``x_y``, ``AsyncX`` -> ``X``.
    (r"\basync_(?=[a-z])", ""),
    (r"(?<=[a-z])_async_(?=[a-z])", "_"),
    (r"\bAsync(?=[A-Z])", ""),
    (r"\ba_transaction\b", "transaction"),
    (r"\ba_sync\b", "sync"),
    (r"\b_async\b", "_sync"),
    (r"\b_ASYNC_TWIN = True\b", "_ASYNC_TWIN = False"),
)

_COMPILED = tuple((re.compile(pattern), repl) for pattern, repl in RULES)


def rewrite(text: str, used: set[int]) -> str:
    """Apply every rule to ``text`` and record which rules matched."""
    for index, (pattern, repl) in enumerate(_COMPILED):
        text, count = pattern.subn(repl, text)
        if count:
            used.add(index)
    return text


def _ruff(args: list[str], text: str, filename: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(filename), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"ruff {args[0]} failed on {filename}:\n{proc.stderr}")
    return proc.stdout


def ruff_format(text: str, filename: Path) -> str:
    """Sort imports and format ``text`` with the pinned ruff, as if it lived at ``filename``."""
    text = _ruff(["check", "--select", "I", "--fix", "--exit-zero", "--quiet"], text, filename)
    return _ruff(["format"], text, filename)


def sources(pair: Pair) -> list[tuple[Path, Path]]:
    """List (source file, target file) for one pair."""
    if pair.source.is_file():
        return [(pair.source, pair.target)]
    return [
        (path, pair.target / path.relative_to(pair.source))
        for path in sorted(pair.source.rglob("*.py"))
        if "__pycache__" not in path.parts and not _hand_written(path)
    ]


def generate(source: Path, target: Path, used: set[int]) -> str:
    """Return the full text that ``target`` must hold."""
    body = rewrite(source.read_text(encoding="utf-8"), used)
    header = HEADER.format(source=source.relative_to(ROOT).as_posix())
    return ruff_format(header + body, target)


def orphans(pair: Pair, expected: set[Path]) -> list[Path]:
    """Generated files in a target directory that no source produces."""
    if pair.source.is_file() or not pair.target.exists():
        return []
    return [
        path
        for path in sorted(pair.target.rglob("*.py"))
        if "__pycache__" not in path.parts and path not in expected and not _hand_written(path)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify, write nothing")
    args = parser.parse_args(argv)

    used: set[int] = set()
    problems: list[str] = []
    for pair in PAIRS:
        expected: set[Path] = set()
        for source, target in sources(pair):
            expected.add(target)
            text = generate(source, target, used)
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current == text:
                continue
            rel = target.relative_to(ROOT).as_posix()
            if args.check:
                if current is None:
                    problems.append(f"missing generated file: {rel}")
                else:
                    diff = difflib.unified_diff(
                        current.splitlines(), text.splitlines(), rel, "expected", lineterm="", n=1
                    )
                    problems.append(f"stale generated file: {rel}\n" + "\n".join(list(diff)[:40]))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {rel}")
        for orphan in orphans(pair, expected):
            rel = orphan.relative_to(ROOT).as_posix()
            generated = orphan.read_text(encoding="utf-8").startswith(HEADER_PREFIX)
            if args.check or not generated:
                problems.append(f"orphan file in generated folder (no source): {rel}")
            else:
                orphan.unlink()
                print(f"removed orphan {rel}")

    unused = [RULES[i][0] for i in range(len(RULES)) if i not in used]
    for pattern in unused:
        message = f"rewrite rule matches nothing: {pattern!r}"
        if args.check:
            problems.append(message)
        else:
            print(f"warning: {message}", file=sys.stderr)

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        if args.check:
            print("run `python scripts/unasync.py` to regenerate", file=sys.stderr)
        return 1
    if args.check:
        print("generated sync code is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
