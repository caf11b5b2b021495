"""The course website (``make site``): built offline from the committed notebooks.

One build (about half a minute on 2 cores) serves every test: each lesson has its page, the
navigation follows the reading order, each notebook page links to its downloadable notebook,
the glossary is there, and no page or stylesheet loads anything from outside the site.
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cac_toolkit.core.resources import repo_root
from cac_toolkit.course.lessons import CAPSTONE, LESSONS

ROOT = repo_root()
pytest.importorskip("myst_nb", reason="the site needs the [test] extras (sphinx, myst-nb)")


def _script(name: str):  # noqa: ANN202 - a module object
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site") / "html"
    assert _script("build_site").main([str(target)]) == 0
    return target


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.anchors: list[str] = []
        self.alts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed"):
            self.loads.append(values.get("src") or "")
        if tag == "img":
            self.alts.append(values.get("alt") or "")
        if tag == "link":
            self.loads.append(values.get("href") or "")
        if tag == "a":
            self.anchors.append(values.get("href") or "")


def _parse(page: Path) -> _Links:
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def test_every_lesson_and_exercise_has_its_page_with_a_download_link(site: Path) -> None:
    folders = {"notebooks": [lesson.stem for lesson in LESSONS],
               "exercises": sorted(p.stem for p in (ROOT / "exercises").glob("ex*.ipynb"))}
    for folder, stems in folders.items():
        for stem in stems:
            page = site / folder / f"{stem}.html"
            assert page.is_file(), page
            assert f"{stem}.ipynb" in _parse(page).anchors
            download = site / folder / f"{stem}.ipynb"
            assert download.read_bytes() == (ROOT / folder / f"{stem}.ipynb").read_bytes()
    assert (site / "glossary.html").is_file()


def test_navigation_follows_the_reading_order(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    positions = [index.find(f"notebooks/{lesson.stem}.html") for lesson in LESSONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    first = (site / "notebooks" / f"{LESSONS[0].stem}.html").read_text(encoding="utf-8")
    assert f"{LESSONS[1].stem}.html" in first  # the "next" link


def test_the_capstone_comes_last_in_the_reading_order(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    page = f"exercises/{CAPSTONE.stem}.html"
    last_lesson = index.find(f"notebooks/{LESSONS[-1].stem}.html")
    assert 0 <= last_lesson < index.find(page)
    exercises = [index.find(f"exercises/{p.stem}.html")
                 for p in (ROOT / "exercises").glob("ex*.ipynb") if p.stem != CAPSTONE.stem]
    assert exercises and max(exercises) < index.rfind(page)  # the navigation: after them
    assert f"{CAPSTONE.stem}.ipynb" in _parse(site / page).anchors


def test_pages_show_the_committed_outputs(site: Path) -> None:
    page = (site / "notebooks" / "11_attribution.html").read_text(encoding="utf-8")
    assert "each model&#39;s total: [4.0]" in page or "each model's total: [4.0]" in page


def test_no_page_loads_an_outside_resource(site: Path) -> None:
    outside = re.compile(r"^(https?:)?//", re.IGNORECASE)
    pages = list(site.rglob("*.html"))
    assert len(pages) > len(LESSONS)
    for page in pages:
        loads = [u for u in _parse(page).loads if outside.match(u)]
        assert not loads, f"{page.relative_to(site)} loads {loads}"
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", text), sheet
    for script in site.rglob("*.js"):
        text = script.read_text(encoding="utf-8", errors="replace")
        assert "cdn.jsdelivr" not in text and "unpkg.com" not in text, script


def test_every_chart_of_a_lesson_has_its_alternative_text(site: Path) -> None:
    charts = 0
    for lesson in LESSONS:
        alts = _parse(site / "notebooks" / f"{lesson.stem}.html").alts
        charts += len(alts)
        assert all(len(alt.split()) >= 12 for alt in alts), (lesson.stem, alts)
    assert charts >= 20
