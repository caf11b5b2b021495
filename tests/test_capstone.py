"""The capstone (exercise 9): the messy client folder, its facts, and the checks of each trap.

The committed folder ``data/capstone_client/`` is what ``scripts/make_capstone_data.py``
writes; read through the solution's ``sources.yaml`` it gives the KPIs of the facts (the folder
mapped by hand) and the figures the solution states; each trap of the folder, fallen into on
its own or with another, is named by the ``sources.yaml`` check without a figure.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re

import nbformat
import pytest

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import data_path, repo_root
from cac_toolkit.course import capstone, checks

ROOT = repo_root()
SOLUTION = ROOT / "solutions" / "ex09_capstone.ipynb"
PARAMS = AuditParameters(period_start=capstone.PERIOD[0], period_end=capstone.PERIOD[1],
                         gross_margin=capstone.GROSS_MARGIN,
                         lifetime_months=capstone.LIFETIME_MONTHS)
PROVENANCE = ("inputs", "parameters", "warnings")


def _solution() -> nbformat.NotebookNode:
    return nbformat.read(SOLUTION, as_version=4)


def _solution_yaml() -> str:
    cell = next(c for c in _solution().cells
                if c.cell_type == "code" and "answer_sources_yaml =" in c.source)
    namespace: dict = {}
    exec(cell.source, namespace)  # noqa: S102 - our own notebook
    return namespace["answer_sources_yaml"]


def _feedback(check: checks.Check, answer: object) -> checks.Feedback:
    with contextlib.redirect_stdout(io.StringIO()):
        return check(answer)


def test_committed_folder_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_capstone_data", ROOT / "scripts" / "make_capstone_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert module.build(data_path(capstone.FOLDER), check=True) == [], (
        "data/capstone_client is out of date: run scripts/make_capstone_data.py")


def test_the_solution_mapping_gives_the_facts_and_the_figures_it_states() -> None:
    raw = compute_kpis(capstone.read_with(_solution_yaml()), PARAMS)
    facts = compute_kpis(capstone.audit_data(), PARAMS)
    assert {k: v for k, v in raw.items() if k not in PROVENANCE} == {
        k: v for k, v in facts.items() if k not in PROVENANCE}
    assert [w["code"] for w in raw["warnings"]] == ["reconcile_gap"]  # the credit note
    outputs = {c.source: "".join(o.get("text", "") for o in c.outputs)
               for c in _solution().cells if c.cell_type == "code"}
    stated = outputs["checks.check_capstone_cac(answer_cac)"]
    assert "Correct" in stated and f"✓ {checks.money(raw['cac']['global'])}:" in stated
    assert f"/ {raw['new_customers']} new customers" in stated
    for source, text in outputs.items():
        if source.startswith("checks.check_capstone_"):
            assert ": Correct." in text, text


# (what the mapping leaves out or gets wrong, as a change of the solution's text, the trap)
VARIANTS = [
    ("  filter: {Pipeline: [Sales Pipeline]}\n", "", "renewals"),
    ("  columns: {paid: Plan}\n", "", "free"),
    ("    scale: 1000\n", "", "thousands"),
    ("    reconcile: true\n", "", "report_once"),
    ('      "62261": {category: skip}\n', "", "accountant"),
    ("  Paid Search: Google Ads\n", "", "channels"),
    ("  amount_is: mrr\n", "  amount_is: mrr\n  won_stages: [Closed Won, Closed Lost]\n"
     "  missing_account: deal_id\n", "won_only"),
]
# One run per group (a read of the folder costs about a second): alone, a trap is the
# declared mistake; together, each is named by the review.
GROUPS = [("won_only",), ("renewals", "thousands", "accountant"),
          ("free", "report_once", "channels")]


@pytest.mark.parametrize("group", GROUPS, ids=["+".join(g) for g in GROUPS])
def test_each_trap_of_the_folder_is_named(group: tuple[str, ...]) -> None:
    text = _solution_yaml()
    for old, new, trap in VARIANTS:
        if trap in group:
            assert old in text, old
            text = text.replace(old, new)
    result = _feedback(checks.check_capstone_sources, text)
    assert result.status == "wrong", result.text
    named = {t for t, why in capstone.TRAPS.items() if why in result.text}
    assert named == set(group), result.text
    assert not re.search(r"\d[\d,]*\.\d\d", result.text), "no figure in the feedback"


def test_a_broken_sources_yaml_is_one_line() -> None:
    broken = _feedback(checks.check_capstone_sources, _solution_yaml().replace(
        "preset: hubspot_deals", "preset: hubspot_deal"))
    assert broken.status == "invalid" and "unknown preset" in broken.text
    assert "Traceback" not in broken.text


def test_channel_cacs_keyed_by_the_crm_names_say_the_channels_were_not_mapped() -> None:
    expected = checks.check_capstone_channel_cac.expect().value
    crm = {capstone.CRM_SOURCE[c]: v for c, v in expected.items()}  # type: ignore[union-attr]
    result = _feedback(checks.check_capstone_channel_cac, {**crm, "Google Ads": None})
    assert result.status == "invalid" and capstone.TRAPS["channels"] in result.text
    assert not re.search(r"\d[\d,]*\.\d\d", result.text)


def test_the_recommendation_check_names_what_a_paragraph_misses() -> None:
    worst = checks.check_capstone_worst_channel.expect().value
    no_lever = (f"The quarter is sound, with an LTV/CAC above the landmark and a short payback. "
                f"{worst} is the dearest channel of the six, far above SEO, which acquires "
                "customers for much less than the global CAC; the other channels sit between "
                "the two, and the next quarter will tell whether this holds for the team.")
    result = _feedback(checks.check_capstone_recommendation, no_lever)
    assert result.status == "wrong"
    assert checks.RECOMMENDATION_POINTS["lever"] in result.text
    assert worst not in result.text
    two = _feedback(checks.check_capstone_recommendation, "Cut.\n\nMove budget.")
    assert checks.RECOMMENDATION_POINTS["paragraph"] in two.text
    assert checks.RECOMMENDATION_POINTS["channel"] in two.text


def test_the_solution_discussion_quotes_the_mistakes_figures() -> None:
    discussion = next(c.source for c in _solution().cells if c.cell_type == "markdown"
                      and c.source.startswith("<!-- solution -->"))
    counts = capstone.export_counts()
    cac = {m.why: m.value for m in checks.check_capstone_cac.expect().mistakes}
    quoted = [f"gives {counts['rows']} \"customers\"", f"alone, {counts['won']} ",
              f"{counts['won_new_or_blank'] - counts['won_new']} renewals",
              checks.money(cac[capstone.TRAPS["renewals"]]),
              checks.money(cac[capstone.TRAPS["free"]]),
              checks.money(cac[capstone.TRAPS["thousands"]])]
    for text in quoted:
        assert text in discussion, text
