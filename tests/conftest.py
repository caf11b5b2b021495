"""Shared fixtures: the seed example folders and a helper to run the KPI computation.

Also the Hypothesis profile of the whole suite: no per-example deadline and no "too slow"
health check, because ``make test`` runs two worker processes on a machine that may be busy
with other work; the properties still run every example they ask for. And nbval's wait for a
cell's output messages once the kernel has replied: 5 seconds, fixed in ``IPyNbCell``, which a
busy machine can exceed ("Timeout of 5 seconds exceeded waiting for output" with nothing
wrong); every notebook cell collected with this file waits up to ``NBVAL_OUTPUT_SECONDS``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from nbval.plugin import IPyNbCell

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder

settings.register_profile("cac-toolkit", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cac-toolkit")

#: Seconds a notebook cell waits for each output message after the kernel's reply.
NBVAL_OUTPUT_SECONDS = 120


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, IPyNbCell):
            item.output_timeout = NBVAL_OUTPUT_SECONDS


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
