"""The documentation site builds, and nothing in it points nowhere.

``scripts/build_docs.py`` renders the Markdown guides and generates the API reference with pdoc.
The site is built once into a temporary directory; every relative ``href``/``src`` of every page
(guides and API alike) must lead to a file of the site, and every ``#anchor`` to an id of that
page.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("pdoc")
pytest.importorskip("markdown")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_LINK = re.compile(r'\b(?:href|src)="(?P<target>[^"]*)"')
_ID = re.compile(r'\bid="(?P<id>[^"]*)"')


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_docs"] = module
    spec.loader.exec_module(module)
    return module


build_docs = _load_builder()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("site")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problems = build_docs.build(out)
    assert not problems, "broken references:\n" + "\n".join(problems)
    return out, [str(w.message) for w in caught if w.filename.endswith(("extract.py", "doc.py"))]


@pytest.fixture(scope="module")
def site(built: tuple[Path, list[str]]) -> Path:
    return built[0]


def test_pdoc_resolves_every_public_name_and_module_once(built: tuple[Path, list[str]]) -> None:
    """Lazily imported names in ``__all__`` resolve, and no module is documented twice."""
    assert built[1] == []


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        text = page.read_text(encoding="utf-8", errors="replace")
        cache[page] = {html.unescape(match["id"]) for match in _ID.finditer(text)}
    return cache[page]


def _pdoc_private_anchor(page: Path, site: Path, fragment: str) -> bool:
    """pdoc lists inherited private and dunder members it does not render; not our links."""
    in_api = page.is_relative_to(site / "api")
    return in_api and any(part.startswith("_") for part in fragment.split("."))


def test_every_markdown_page_is_rendered(site: Path) -> None:
    assert (site / "index.html").is_file()
    for source in sorted(DOCS.rglob("*.md")):
        if source.name == "index.md" and source.parent == DOCS:
            continue
        page = site / source.relative_to(DOCS).with_suffix(".html")
        assert page.is_file(), f"{source.relative_to(ROOT)} was not rendered"
    for name in ("README", "MIGRATION_GUIDE", "CHANGELOG", "CONTRIBUTING"):
        assert (site / f"{name}.html").is_file()


def test_every_public_module_has_an_api_page(site: Path) -> None:
    modules = build_docs.public_modules()
    assert "sqlmodel_crud_utils.sync" in modules
    assert not any(part.startswith("_") for name in modules for part in name.split("."))
    for name in modules:
        page = site / "api" / (name.replace(".", "/") + ".html")
        assert page.is_file(), f"no API page for {name}"


def test_index_links_every_guide_and_the_api(site: Path) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    targets = {urlsplit(html.unescape(match["target"])).path for match in _LINK.finditer(text)}
    for source in sorted((DOCS / "guide").glob("*.md")):
        assert f"guide/{source.stem}.html" in targets, f"index does not link {source.name}"
    assert "api/sqlmodel_crud_utils.html" in targets


def test_no_broken_links_in_the_site(site: Path) -> None:
    cache: dict[Path, set[str]] = {}
    problems: list[str] = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for match in _LINK.finditer(text):
            target = html.unescape(match["target"])
            parts = urlsplit(target)
            if parts.scheme or target.startswith("//") or "${" in target:
                continue  # external, or a template inside pdoc's search script
            linked = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            where = f"{page.relative_to(site).as_posix()}: {target}"
            if not linked.exists():
                problems.append(f"{where} (no such file)")
            elif parts.fragment and linked.suffix == ".html":
                fragment = unquote(parts.fragment)
                if _pdoc_private_anchor(page, site, fragment):
                    continue
                if fragment not in _ids(linked, cache):
                    problems.append(f"{where} (no such anchor)")
    assert not problems, "broken links in the built site:\n" + "\n".join(problems)


def test_the_build_reports_broken_references(tmp_path: Path, monkeypatch) -> None:
    docs = tmp_path / "docs"
    (docs / "guide").mkdir(parents=True)
    (docs / "index.md").write_text(
        "# Home\n\n[guide](guide/a.md) [gone](guide/missing.md) [api](api:no_such_module)\n"
        "[known](api:fakepkg.known) [unknown](api:fakepkg.unknown)\n",
        encoding="utf-8",
    )
    (docs / "guide" / "a.md").write_text(
        "# A\n\n## Present\n\n[ok](#present) [bad](#absent) [home](../index.md)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(build_docs, "ROOT", tmp_path)
    monkeypatch.setattr(build_docs, "DOCS", docs)

    def fake_api(site) -> None:
        site.modules = ["fakepkg"]
        (site.out / "api").mkdir()
        (site.out / "api" / "fakepkg.html").write_text('<div id="known"></div>', encoding="utf-8")

    monkeypatch.setattr(build_docs, "render_api", fake_api)
    problems = build_docs.build(tmp_path / "out")
    assert any("guide/missing.md" in problem for problem in problems)
    assert any("api:no_such_module" in problem for problem in problems)
    assert any("#absent" in problem for problem in problems)
    assert any("api:fakepkg.unknown" in problem for problem in problems)
    assert not any("#present" in problem or "fakepkg.known" in problem for problem in problems)


def test_the_build_refuses_to_empty_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious", encoding="utf-8")
    problems = build_docs.build(tmp_path)
    assert problems
    assert "not empty" in problems[0]
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "precious"


def test_heading_ids_follow_github() -> None:
    fragment = build_docs.render_markdown("# `get_rows` filter grammar\n\n## Again\n\n## Again\n")
    assert 'id="get_rows-filter-grammar"' in fragment
    assert 'id="again"' in fragment
    assert 'id="again-1"' in fragment


def test_fence_info_is_reduced_to_the_language() -> None:
    text = "- item\n\n  ```python no-run\n  x = 1\n  ```\n"
    assert build_docs.normalise_fences(text) == "- item\n\n```python\nx = 1\n```\n"
