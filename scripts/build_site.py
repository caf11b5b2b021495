"""Build the course website: lessons, exercises and glossary as a static site, offline.

Sphinx with myst-nb renders the committed, executed notebooks as they are (execution is off:
nothing is run again), one page per lesson in reading order (``cac_toolkit.course.lessons``),
then the exercises and the glossary (``docs/glossary.md``). Each notebook page starts with a
link to download the notebook, copied beside the pages. No page loads an outside resource:
MathJax, require.js and the widget manager are left out, the theme is Sphinx's own.

Usage::

    python scripts/build_site.py out/site      # make site
    open out/site/index.html                   # or: python -m http.server -d out/site
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from cac_toolkit.course.lessons import CAPSTONE, LESSONS

ROOT = Path(__file__).resolve().parent.parent

CONF = '''
project = "cac-toolkit course"
author = "cac-toolkit"
extensions = ["myst_nb"]
nb_execution_mode = "off"          # the committed outputs, never re-executed
nb_ipywidgets_js = {}              # no widget manager from a CDN
html_theme = "alabaster"
html_theme_options = {"show_powered_by": False, "font_family": "sans-serif",
                      "head_font_family": "sans-serif"}
html_extra_path = ["downloads"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
mathjax_path = "no-mathjax.js"     # a local name: no MathJax from a CDN (the lessons use no LaTeX)
exclude_patterns = ["_build", "downloads"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
myst_enable_extensions = ["html_image"]
'''


def _with_download_link(source: Path, target: Path) -> None:
    """Copy a notebook, with a first cell linking to its downloadable copy."""
    notebook = nbformat.read(source, as_version=4)
    href = source.name  # the original notebook, copied beside its page (html_extra_path)
    link = nbformat.v4.new_markdown_cell(
        f'<p class="download"><a href="{href}" download>Download this notebook '
        f"({source.name})</a> and open it in Jupyter to run it.</p>")
    notebook.cells.insert(0, link)
    nbformat.write(notebook, target)


def _pages(folder: str, stems: list[str], out: Path) -> list[str]:
    (out / folder).mkdir(parents=True, exist_ok=True)
    (out / "downloads" / folder).mkdir(parents=True, exist_ok=True)
    for stem in stems:
        source = ROOT / folder / f"{stem}.ipynb"
        shutil.copyfile(source, out / "downloads" / folder / source.name)
        _with_download_link(source, out / folder / source.name)
    return [f"{folder}/{stem}" for stem in stems]


def write_sources(out: Path) -> None:
    """The Sphinx source tree: conf.py, index, lessons, exercises, glossary, downloads."""
    declared = [lesson.stem for lesson in LESSONS]
    others = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                    if p.stem not in declared)  # a lesson not declared yet still gets its page
    lessons = _pages("notebooks", sorted(declared + others), out)
    exercises = _pages("exercises", sorted(p.stem for p in (ROOT / "exercises").glob("ex*.ipynb")
                                           if p.stem != CAPSTONE.stem), out)
    capstone = _pages("exercises", [CAPSTONE.stem], out)
    shutil.copyfile(ROOT / "docs" / "glossary.md", out / "glossary.md")
    rows = "\n".join(f"{i}. [{lesson.title}](notebooks/{lesson.stem}.ipynb), about "
                     f"{lesson.minutes} minutes" for i, lesson in enumerate(LESSONS, start=1))
    index = f"""# The CAC course

The economics of B2B customer acquisition, lesson by lesson: CAC, LTV and payback, funnel KPIs,
attribution, warning signals and levers, then your own data. Each lesson opens with its
objectives, prerequisites and time, asks two or three self-check questions and closes with its
key points. The pages show the notebooks as committed, with their outputs; download a notebook
to run it (see the README: `make lab`).

## Lessons, in reading order

{rows}

Then practise with the exercises (their solutions are in the repository's `solutions/`) and
look terms up in the [glossary](glossary.md).

## The capstone

[{CAPSTONE.title}](exercises/{CAPSTONE.stem}.ipynb), about {CAPSTONE.minutes} minutes, last:
a client's messy folder of raw exports, from the first `check` to the recommendation. It
assumes {" and ".join(CAPSTONE.prerequisites)}.

```{{toctree}}
:caption: Lessons
:maxdepth: 1
:hidden:

{chr(10).join(lessons)}
```

```{{toctree}}
:caption: Exercises
:maxdepth: 1
:hidden:

{chr(10).join(exercises)}
```

```{{toctree}}
:caption: Capstone
:maxdepth: 1
:hidden:

{chr(10).join(capstone)}
```

```{{toctree}}
:caption: Reference
:maxdepth: 1
:hidden:

glossary
```
"""
    (out / "index.md").write_text(index, encoding="utf-8")
    (out / "conf.py").write_text(CONF, encoding="utf-8")


def build(target: Path) -> int:
    """Write the sources in a temporary folder and build the HTML site into ``target``."""
    from sphinx.cmd.build import build_main  # noqa: PLC0415 - start-up speed of --help

    with tempfile.TemporaryDirectory(prefix="cac-site-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        write_sources(source)
        if target.exists():
            shutil.rmtree(target)
        return build_main(["-b", "html", "-q", "-j", "1", str(source), str(target)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, nargs="?", default=ROOT / "out" / "site")
    args = parser.parse_args(argv)
    status = build(args.target.resolve())
    if status == 0:
        print(f"site written to {args.target / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
