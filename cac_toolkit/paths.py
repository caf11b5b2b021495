"""Where the project's files are, whatever the working directory (notebooks, papermill, tests)."""

from __future__ import annotations

from pathlib import Path


def repo_root() -> Path:
    """The checkout this package is installed from (editable install)."""
    return Path(__file__).resolve().parent.parent


def data_path(*parts: str) -> Path:
    """A path under ``data/``: ``data_path("saas_quarter")``."""
    return repo_root().joinpath("data", *parts)


def notebooks_path(*parts: str) -> Path:
    """A path under ``notebooks/``."""
    return repo_root().joinpath("notebooks", *parts)
