"""The translation catalogues: up to date with the code, complete, and read by every layer."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from cac_toolkit.core.catalogue import catalogue, translate
from cac_toolkit.core.resources import repo_root
from cac_toolkit.figures import targets
from cac_toolkit.render import i18n
from cac_toolkit.render.longtail import other_label
from cac_toolkit.render.workbook import TEXTS, workbook_labels


def _extract_messages():  # noqa: ANN202 (the script as a module)
    path = repo_root() / "scripts" / "extract_messages.py"
    spec = importlib.util.spec_from_file_location("extract_messages", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_committed_catalogues_are_up_to_date_and_complete(capsys: pytest.CaptureFixture) -> None:
    """``extract_messages.py --check``: re-running it would change no file, and every French
    text is there and not fuzzy (nbdev style: the committed files are what the code gives)."""
    assert _extract_messages().main(["--check"]) == 0, capsys.readouterr().err


def test_check_fails_on_a_missing_translation(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(i18n.LABELS, "test.new", "A label nobody translated yet")
    assert _extract_messages().main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "is stale" in err and "missing translation of 'A label nobody translated yet'" in err


def test_every_label_is_translated() -> None:
    assert i18n.check_complete() == []
    assert i18n.check_complete(TEXTS) == []  # type: ignore[arg-type]
    assert workbook_labels("fr")["inputs_sheet"] == "Saisies"
    assert workbook_labels("en") == {k: v if isinstance(v, str) else v[1]
                                     for k, v in TEXTS.items()}


def test_one_english_text_two_uses_has_a_context() -> None:
    assert workbook_labels("fr")["won"] == "Gagnés"
    assert workbook_labels("fr")["won_date"] == "Gagné le"


def test_plurals_agree_with_the_count() -> None:
    assert other_label(1) == "other (1 channel)"
    assert other_label(2) == "other (2 channels)"
    assert other_label(1, "fr") == "autres (1 canal)"
    assert other_label(1234, "fr") == "autres (1\u00a0234 canaux)"
    assert other_label(1234) == "other (1,234 channels)"


def test_french_punctuation_takes_a_narrow_no_break_space() -> None:
    """Before ``:`` ``;`` ``!`` ``?`` and ``%``: U+202F, never a plain or a wide space."""
    french = catalogue("fr")._catalog  # type: ignore[attr-defined]
    texts = [s for v in french.values() for s in ([v] if isinstance(v, str) else [v])]
    bad = [s for s in texts if any(f"{space}{mark}" in s for space in (" ", "\u00a0")
                                   for mark in ":;!?%")]
    assert bad == []
    assert i18n.t("summary.payback", "fr") == "Payback\u202f:"


def test_verdicts_are_ids_and_data_with_french_numbers() -> None:
    verdict = targets.assess_ltv_cac(2.8)
    assert (verdict.status, verdict.id, verdict.data) == ("watch", "ltv_cac.watch", {"ratio": 2.8})
    assert verdict.reason("en") == "LTV/CAC 2.80 is between 2 and 3: below the usual 3+ target"
    assert verdict.reason("fr") == "LTV/CAC 2,80 entre 2 et 3\u202f: sous le repère de 3"
    payback = targets.assess_payback(10.7142)
    assert payback.reason("en") == "payback of 10.7 months is within 12 months"
    assert payback.reason("fr") == "payback de 10,7 mois, dans les 12 mois"
    assert "very well" in targets.assess_ltv_cac(6.3).reason_en
    assert targets.assess_ltv_cac(5.0).id == "ltv_cac.good"
    assert [targets.assess_cac_vs_margin(1500, m * 1500).status for m in (1.9, 2.0, 2.99, 3.0)
            ] == ["bad", "watch", "watch", "good"]
    assert targets.assess_sector(900, "retail").reason("fr") == (
        "CAC 900 au-dessus de la fourchette habituelle Retail B2B")
    assert targets.assess_kpi("quote_conversion", 0.1).reason("fr") == (
        "10,0\u202f% sous la cible 25\u202f% à 30\u202f%")


def test_every_verdict_text_and_name_is_in_the_catalogue() -> None:
    for text in (*targets.VERDICT_TEXTS.values(), *targets.VERDICT_NAMES,
                 *targets.SECTOR_NAMES.values(), *(k.name_en for k in targets.TEN_KPIS)):
        assert i18n.is_translated(text, "fr"), text
    assert targets.KPI_BY_KEY["clv"].name("fr") != "Customer lifetime value"
    assert translate("Global CAC", "fr") == "CAC global"
