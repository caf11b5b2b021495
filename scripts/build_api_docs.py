"""Build the API reference of cac_toolkit from its docstrings, offline, with pdoc.

Every module of the package gets a page (``OUT/cac_toolkit/<layer>/<module>.html``) and the
index lists them in layer order; nothing is fetched from the network (pdoc inlines its styles
and the search index). ``make api`` writes ``out/api/``; the tests build it in a temporary
folder and check that every public function appears.

Usage::

    python scripts/build_api_docs.py [OUT_DIR]
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from pathlib import Path

import pdoc
import pdoc.render

import cac_toolkit

ROOT = Path(__file__).resolve().parent.parent


def package_modules() -> list[str]:
    """The package and its direct children; pdoc adds each layer's modules by itself.

    The package's own ``__all__`` is the curated API, which would hide the layers from pdoc,
    so they are named here.
    """
    return ["cac_toolkit"] + sorted(info.name for info in pkgutil.iter_modules(
        cac_toolkit.__path__, prefix="cac_toolkit."))


def documented_modules() -> list[str]:
    """Every module of the package, as the reference lists them."""
    return ["cac_toolkit"] + sorted(info.name for info in pkgutil.walk_packages(
        cac_toolkit.__path__, prefix="cac_toolkit."))


def build(out_dir: Path) -> list[str]:
    """Write the reference into ``out_dir``; returns the modules documented."""
    # pdoc adds a layer's modules by itself, not those of a package inside a layer
    # (cac_toolkit.data.sources): they are named too.
    modules = package_modules() + [m for m in documented_modules() if m.count(".") >= 3]
    pdoc.render.configure(docformat="restructuredtext", show_source=False,
                          footer_text=f"cac-toolkit {cac_toolkit.__version__}")
    pdoc.pdoc(*modules, output_directory=out_dir)
    return documented_modules()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=ROOT / "out" / "api")
    args = parser.parse_args(argv)
    modules = build(args.out_dir)
    print(f"{len(modules)} modules documented in {args.out_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
