"""Where the package's own files are (package data) and where a checkout's files are.

Package data (the audit notebook, the offline HTML template, translation catalogues) is found
with :mod:`importlib.resources`, so an installed wheel works from any directory. The course's
example folders live in the checkout's ``data/``; :func:`data_path` finds them for the course,
the tests and the notebooks.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

AUDIT_NOTEBOOK = "audit.ipynb"


def package_file(*parts: str) -> Path:
    """A file shipped inside the package, e.g. ``package_file("notebooks", "audit.ipynb")``.

    Installed packages are plain folders on disk (wheels are unpacked), so the path is real.
    """
    with as_file(files("cac_toolkit").joinpath(*parts)) as path:
        return Path(path)


def audit_notebook() -> Path:
    """The audit notebook that ``cac-toolkit audit`` executes (package data)."""
    return package_file("notebooks", AUDIT_NOTEBOOK)


def template_dir() -> Path:
    """The folder holding the offline nbconvert template (``offline/``): pass it as
    ``extra_template_basedirs`` and ``template_name="offline"``."""
    return package_file("render", "templates")


def repo_root() -> Path:
    """The checkout the package is imported from (meaningful for an editable install)."""
    return Path(__file__).resolve().parents[2]


def data_path(*parts: str) -> Path:
    """A path under the checkout's ``data/``: ``data_path("saas_quarter")``."""
    return repo_root().joinpath("data", *parts)


def notebooks_path(*parts: str) -> Path:
    """A path under the checkout's ``notebooks/`` (the course)."""
    return repo_root().joinpath("notebooks", *parts)
