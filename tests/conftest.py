"""Shared fixtures: the seed example folders and a helper to run the KPI computation.

Also the Hypothesis profile of the whole suite: no per-example deadline and no "too slow"
health check, because ``make test`` runs two worker processes on a machine that may be busy
with other work; the properties still run every example they ask for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder

settings.register_profile("cac-toolkit", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cac-toolkit")

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
