"""Many distinct channels: the KPI file keeps each one exactly, the report groups the tail.

The timing and memory figures for a million channels are measured by
``benchmarks/distinct_channels.py``; here the same code paths run on a few thousand channels
and are compared with straightforward references.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.jsontext import dumps_indented
from cac_toolkit.core.money import round_money, round_ratio, to_cents
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder
from cac_toolkit.render import report
from cac_toolkit.render.longtail import TOP_CHANNELS, for_display, group_channels, other_label

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_margin": "0.75",
          "monthly_churn": "0.02"}


def many_channels(folder: Path, channels: int) -> Path:
    """``channels`` channels, uneven amounts (one with sub-cent lines), pooled costs, and a
    deal for one channel in seven."""
    folder.mkdir(parents=True)
    spend = ["date,amount,category,channel"]
    for i in range(channels):
        spend.append(f"2026-01-{1 + i % 28:02d},{100 + i % 900}.{i % 100:02d},marketing,"
                     f"Channel {i:05d}")
    spend += ["2026-02-01,0.004,marketing,Channel 00001"] * 3
    spend += ["2026-02-01,12345.67,sales,shared", "2026-02-02,999.99,marketing,shared"]
    (folder / "spend.csv").write_text("\n".join(spend) + "\n", encoding="utf-8")
    deals = ["deal_id,account_id,won_date,channel,type,paid,mrr"]
    for i in range(0, channels, 7):
        deals.append(f"D{i},A{i},2026-02-{1 + i % 28:02d},Channel {i:05d},new,true,"
                     f"{50 + i % 400}.00")
    (folder / "deals.csv").write_text("\n".join(deals) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = many_channels(tmp_path_factory.mktemp("scale") / "client", 3000)
    return folder, compute_kpis(load_folder(folder), AuditParameters.from_mapping(PERIOD))


def test_every_channel_is_kept_exactly_in_the_kpi_file(many: tuple[Path, dict]) -> None:
    folder, kpis = many
    channels = kpis["channels"]
    assert len(channels) == 3000
    lines = [line.split(",") for line in
             (folder / "spend.csv").read_text(encoding="utf-8").splitlines()[1:]]
    direct: dict[str, list[float]] = {}
    for _, amount, _, channel in lines:
        if channel != "shared":
            direct.setdefault(channel, []).append(float(amount))
    customers = {f"Channel {i:05d}": 1 for i in range(0, 3000, 7)}
    total_loaded = sum(v["spend_direct"] + v["shared_allocated"] for v in channels.values())
    for name, values in channels.items():
        spent = to_cents(math.fsum(direct[name])) / 100
        n = customers.get(name, 0)
        assert values["spend_direct"] == spent, name
        assert values["new_customers"] == n, name
        assert values["cac_direct"] == (round_money(spent / n) if n else None), name
        assert values["budget_share"] == round_ratio(
            (values["spend_direct"] + values["shared_allocated"]) / total_loaded), name
    assert channels["Channel 00001"]["spend_direct"] == 101.02  # 101.01 + 3 x 0.004
    shared = sum(v["shared_allocated"] for v in channels.values())
    assert round(shared, 2) == 12345.67 + 999.99
    no_customer = [n for n in kpis["notes"] if n["code"] == "no_new_customer"
                   and n["key"].startswith("channels.")]
    assert len(no_customer) == 3000 - len(customers)


def test_the_kpi_text_is_the_standard_librarys(many: tuple[Path, dict]) -> None:
    _, kpis = many
    sample = compute_kpis(load_folder(data_path("saas_quarter")),
                          AuditParameters.from_mapping(PERIOD))
    edge = {"": [], "a": {}, "b": [{}, [], [1, [2, {"c": None}]]], 7: True, 2.5: False,
            None: -0.0, True: 1e-7, "é\u2028\x00\"\\": [1e16, 2**70, -1.5, "\U0001f600"],
            "n": {"x": 1, "y": {"z": "t"}}}
    for value in (kpis, sample, edge, [], {}, "x", 3, None):
        assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False,
                                                   allow_nan=False)
    assert kpis_to_json(sample).endswith("}\n")
    for bad in (float("nan"), {"a": [float("inf")]}):
        with pytest.raises(ValueError):
            dumps_indented(bad)
    with pytest.raises(TypeError):
        dumps_indented({"a": object()})


def test_the_report_groups_the_long_tail(many: tuple[Path, dict]) -> None:
    _, kpis = many
    view = for_display(kpis)
    shown = view["channels"]
    assert len(shown) == TOP_CHANNELS
    other = other_label(3000 - TOP_CHANNELS + 1)
    assert other == "other (2,981 channels)" and list(shown)[-1] == other
    kept = [n for n in shown if n != other]
    loaded = {n: v["spend_direct"] + v["shared_allocated"] for n, v in kpis["channels"].items()}
    assert min(loaded[n] for n in kept) >= max(v for n, v in loaded.items() if n not in kept)
    tail = [v for n, v in kpis["channels"].items() if n not in kept]
    assert shown[other]["spend_direct"] == round(sum(to_cents(v["spend_direct"]) for v in tail)
                                                 ) / 100
    assert shown[other]["new_customers"] == sum(v["new_customers"] for v in tail)
    assert shown[other]["cac_fully_loaded"] == round_money(
        (shown[other]["spend_direct"] + shown[other]["shared_allocated"])
        / shown[other]["new_customers"])
    # the tables and the notes of the report follow, and kpis itself is unchanged
    assert len(report.channel_table(view)) == TOP_CHANNELS
    assert len(report.notes_table(view)) < 3 * TOP_CHANNELS
    assert len(kpis["channels"]) == 3000
    french = group_channels(kpis["channels"], lang="fr")
    assert "autres (2\u00a0981 canaux)" in french


def test_a_small_audit_is_shown_as_it_is() -> None:
    kpis = compute_kpis(load_folder(data_path("saas_quarter")),
                        AuditParameters.from_mapping(PERIOD))
    assert for_display(kpis) is kpis
