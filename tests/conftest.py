"""Shared fixtures: the seed example folders and a helper to run the KPI computation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder

QUARTER = {"period_start": "2026-01-01", "period_end": "2026-03-31"}


def kpis_for(folder: str | Path, **params: object) -> dict:
    """KPIs of a data/ example folder (or any folder) with the given parameters."""
    path = Path(folder)
    if not path.is_absolute():
        path = data_path(str(folder))
    return compute_kpis(load_folder(path), AuditParameters.from_mapping(params))


@pytest.fixture(scope="session")
def saas_quarter_kpis() -> dict:
    return kpis_for("saas_quarter", **QUARTER, gross_margin=0.7, lifetime_months=30)
