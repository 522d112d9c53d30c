"""Every code sample of the documentation is run or checked, and its relative links lead somewhere.

One test per fenced Python or shell block of ``README.md``, ``MIGRATION_GUIDE.md``,
``CHANGELOG.md``, ``CONTRIBUTING.md`` and ``docs/**/*.md`` (named ``<file>:<line>``), and one link
test per file.  The conventions (what ``python``, ``python requires=...``, ``python signature``,
``bash cli`` and ``bash check`` mean; ``no-run`` is no longer accepted) are documented in
``tests/doc_blocks.py``, which reads the Markdown; ``tests/doc_runs.py`` runs blocks,
``tests/doc_checks.py`` checks the ones that are not run, and ``tests/test_docs_machinery.py``
tests this machinery.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.doc_blocks import (
    SHELL_LANGUAGES,
    CodeBlock,
    broken_link,
    display_name,
    documentation_files,
    info_string_problem,
    link_targets,
    sample_blocks,
)
from tests.doc_checks import check_shell_block, check_signatures, fail_unclassified, shell_kind
from tests.doc_runs import run_cli_block, run_python_block

_BLOCKS = sample_blocks()
_PYTHON = [block for block in _BLOCKS if block.language == "python"]
_SHELL = [block for block in _BLOCKS if block.language in SHELL_LANGUAGES]
_FILES = documentation_files()


@pytest.mark.parametrize("block", _PYTHON, ids=[block.name for block in _PYTHON])
def test_python_block(block: CodeBlock, tmp_path: Path) -> None:
    problem = info_string_problem(block)
    if problem:
        pytest.fail(f"{block.name}: {problem}", pytrace=False)
    if "signature" in block.options:
        check_signatures(block)
    else:
        run_python_block(block, tmp_path)


@pytest.mark.parametrize("block", _SHELL, ids=[block.name for block in _SHELL])
def test_shell_block(block: CodeBlock, tmp_path: Path) -> None:
    problem = info_string_problem(block)
    if problem:
        pytest.fail(f"{block.name}: {problem}", pytrace=False)
    kind = shell_kind(block)
    if kind == "cli":
        run_cli_block(block, tmp_path)
    elif kind == "check":
        check_shell_block(block)
    else:
        fail_unclassified(block)


@pytest.mark.parametrize("path", _FILES, ids=[display_name(path) for path in _FILES])
def test_relative_links_resolve(path: Path) -> None:
    problems = [
        f"{display_name(path)}:{number}: {target} ({reason})"
        for number, target in link_targets(path)
        if (reason := broken_link(path, target)) is not None
    ]
    assert not problems, "broken links:\n" + "\n".join(problems)
