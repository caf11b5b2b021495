"""The API reference builds offline from the docstrings and lists every public function."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from cac_toolkit.core.resources import repo_root

pytest.importorskip("pdoc", reason="pdoc is part of the test extra")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    spec = importlib.util.spec_from_file_location(
        "build_api_docs", repo_root() / "scripts" / "build_api_docs.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    out = tmp_path_factory.mktemp("api")
    return out, builder.build(out)


def _page(out: Path, module: str) -> Path:
    parts = module.split(".")
    return out.joinpath(*parts[:-1], parts[-1] + ".html")


def test_every_module_has_a_page(reference: tuple[Path, list[str]]) -> None:
    out, modules = reference
    assert (out / "index.html").is_file()
    assert {"cac_toolkit.audit.kpis", "cac_toolkit.runner", "cac_toolkit.data.loading"} <= set(
        modules)
    for module in modules:
        assert _page(out, module).is_file(), f"no page for {module}"


def test_every_public_function_appears(reference: tuple[Path, list[str]]) -> None:
    out, modules = reference
    for name in modules:
        module = importlib.import_module(name)
        html = _page(out, name).read_text(encoding="utf-8")
        for attr, value in vars(module).items():
            if attr.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if getattr(value, "__module__", None) != name:
                continue  # imported from elsewhere: documented where it is defined
            assert f'id="{attr}"' in html, f"{name}.{attr} is missing from the API reference"


def test_no_page_loads_an_outside_resource(reference: tuple[Path, list[str]]) -> None:
    out, _ = reference
    outside = re.compile(r"""(?:src|href)=["'](?:https?:)?//[^"']+["'][^>]*""")
    for page in out.rglob("*.html"):
        for tag in re.findall(r"<(?:script|link|img|iframe)[^>]*>", page.read_text("utf-8")):
            assert not outside.search(tag), f"{page.name} loads {tag}"
