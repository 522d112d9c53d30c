"""Self-tests of the machinery that runs and checks the documentation's code samples.

See ``tests/doc_blocks.py`` for the conventions and ``tests/test_docs.py`` for the tests they drive.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tests.test_docs as docs_tests
from tests.doc_blocks import (
    NO_RUN_HINT,
    ROOT,
    CodeBlock,
    broken_link,
    code_blocks,
    github_slug,
    info_string_problem,
    shell_commands,
)
from tests.doc_checks import check_shell_block, check_signatures, documented_calls, shell_kind
from tests.doc_runs import run_cli_block


def test_block_extraction_keeps_line_numbers_and_reads_info_strings(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n"
        "```python\nprint('one')\n```\n\n"
        "```python signature\nwrite_row(data_row, session_inst)\n```\n\n"
        "- item\n\n  ```python requires=postgresql,redis\n  print('indented')\n  ```\n\n"
        "````markdown\n```python\nprint('inside another fence')\n```\n````\n\n"
        "```bash cli\nsqlmodel-crud --help\n```\n",
        encoding="utf-8",
    )
    blocks = list(code_blocks(page))
    assert [(block.line, block.info, block.runs, block.is_sample) for block in blocks] == [
        (3, "python", True, True),
        (7, "python signature", False, True),
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
        ("python signature requires=redis", "signature cannot be combined"),
        ("python no-run", f"unknown word 'no-run': {NO_RUN_HINT}"),
        ("python requires=postgresql no-run", "`no-run` is no longer accepted"),
        ("bash no-run", f"unknown shell kind 'no-run': {NO_RUN_HINT}"),
        ("sh check no-run", "`no-run` is no longer accepted"),
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


def test_no_run_blocks_fail_and_say_what_to_use_instead(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python no-run\nprint('never run')\n```\n\n```bash no-run\nmake html\n```\n",
        encoding="utf-8",
    )
    python_block, shell_block = code_blocks(page)
    for kinds in ("`python`", "`python requires=SERVICE`", "`python signature`", "`bash cli`"):
        assert kinds in NO_RUN_HINT
    assert "`bash check`" in NO_RUN_HINT
    with pytest.raises(pytest.fail.Exception, match="`no-run` is no longer accepted"):
        docs_tests.test_python_block(python_block, tmp_path)
    with pytest.raises(pytest.fail.Exception, match="`no-run` is no longer accepted"):
        docs_tests.test_shell_block(shell_block, tmp_path)


def test_no_documentation_block_uses_no_run() -> None:
    offenders = [block.name for block in docs_tests._BLOCKS if "no-run" in block.options]
    assert not offenders, f"`no-run` blocks (no longer accepted): {offenders}"


def test_link_checker_finds_missing_files_and_anchors() -> None:
    assert github_slug("Upgrading from upstream 0.1\u20130.4") == "upgrading-from-upstream-0104"
    assert github_slug("`get_rows` filter grammar") == "get_rows-filter-grammar"
    page = ROOT / "docs" / "page.md"  # resolved relative to docs/, never created
    assert broken_link(page, "https://example.com/x.md") is None
    assert broken_link(page, "missing-file.md") == "no such file"
