"""The translation catalogues: up to date with the code, complete, and read by every layer."""

from __future__ import annotations

import html
import importlib.util
import re
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


def visible_text(page: str) -> str:
    """What a reader sees of an HTML page: no styles or scripts, no tags; alternative texts
    of the images kept (a screen reader reads them)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    alts = re.findall(r'alt="([^"]*)"', page)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", page), *alts]))


def english_decimals(text: str) -> list[str]:
    """``1.5``-like numbers in ``text`` with their context, SHA-256 fingerprints and the
    package's version number (``cac-toolkit 0.1.0``) left aside."""
    text = re.sub(r"\b[0-9a-f]{64}\b|cac-toolkit \d+(\.\d+)+", " ", text)
    return [m.group(0) for m in re.finditer(r".{0,30}\d\.\d.{0,20}", text)]


def untranslated(text: str) -> list[str]:
    """Pieces of English source texts of the catalogue (14 characters or more between
    placeholders) that appear in ``text`` although their French differs."""
    found = []
    for key, french in catalogue("fr")._catalog.items():  # type: ignore[attr-defined]
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]
        if not msgid or msgid == french:
            continue
        for piece in (p.strip() for p in re.split(r"\{[^}]*\}", msgid)):
            if len(piece) >= 14 and piece in text and piece not in french:
                found.append(piece)
    return found


def _report_text(kpis: dict, lang: str) -> str:
    """Every text block of the report on ``kpis`` that shows verdicts and figures."""
    from cac_toolkit.render import report

    signals = report.warning_signals(kpis, lang=lang)
    parts = [report.title_block(kpis, lang, run_date="2026-04-02").data,
             report.key_figures(kpis, lang).data, report.summary(kpis, signals, lang).data,
             report.dashboard(kpis, lang)._repr_html_(),
             report.table(report.ten_kpis_table(kpis, lang)).data,
             report.notes_html(kpis, lang).data, report.signals_html(signals, lang).data]
    return visible_text(" ".join(str(p) for p in parts))


def test_french_report_of_the_seed_quarter_writes_french_decimals(saas_quarter_kpis: dict
                                                                  ) -> None:
    """Issue 11's done-when: gross margin 0.7, lifetime 30 months, Q1 2026."""
    french, english = (_report_text(saas_quarter_kpis, lang) for lang in ("fr", "en"))
    assert "2,80" in french and "10,7 mois" in french
    assert "2.80" not in french and "10.7 mois" not in french
    assert english_decimals(french) == [] and untranslated(french) == []
    assert english_decimals(english) and untranslated(english)  # the scans do find English
    assert "2.80 is between 2 and 3" in english and "10.7 months" in english
    assert "T1 2026" in french and "Q1 2026" in english


def test_warnings_are_translated_from_their_id(saas_quarter_kpis: dict) -> None:
    from cac_toolkit.data.signals import DataWarning

    (warning,) = saas_quarter_kpis["warnings"]
    assert dict(warning) == {"code": "spend_partly_covered", "message": (
        "the previous period (2025-10-03 to 2025-12-31) reaches beyond the spend table: no "
        "spend data before 2025-12-01, so its spend and CACs may be incomplete")}
    assert i18n.warning_text(warning, "en") == warning["message"]
    assert i18n.warning_text(warning, "fr") == (
        "la période précédente (du 03/10/2025 au 31/12/2025) dépasse la table des "
        "dépenses\u202f: aucune donnée de dépenses avant le 01/12/2025, ses dépenses et ses CAC "
        "peuvent donc être incomplets")
    gap = DataWarning.make("ltv_parameter_differs", parameter=12345.6, gap=0.31,
                           measured=9400.0).as_dict()
    assert gap["message"] == ("the LTV from the typed lifetime (12,345.60) differs by 31% from "
                              "the LTV measured from the revenue table (9,400.00); the typed "
                              "one is used")
    assert i18n.warning_text(gap, "fr") == (
        "la LTV de la durée de vie saisie (12\u00a0345,60) s'écarte de 31\u202f% de la LTV "
        "mesurée sur la table des revenus (9\u00a0400,00)\u202f; c'est la valeur saisie qui est "
        "utilisée")
    assert i18n.warning_text({"code": "x", "message": "kept"}, "fr") == "kept"
    for lang, one, two in (("en", "1 warning)", "2 warnings)"),
                           ("fr", "1 avertissement)", "2 avertissements)")):
        assert i18n.tn("report.warnings", 1, lang, n=1).endswith(one)
        assert i18n.tn("report.warnings", 2, lang, n=2).endswith(two)


def test_french_chart_labels_use_french_decimals(saas_quarter_kpis: dict) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from cac_toolkit.render import plots

    k = saas_quarter_kpis
    figures = [plots.cac_by_channel(k["channels"], sector="saas", lang="fr",
                                    cac_global=k["cac"]["global"]),
               plots.budget_vs_revenue(k["channels"], lang="fr"),
               plots.ltv_cac_gauge(k["ltv_cac"], lang="fr"),
               plots.payback_curve(k["cac"]["global"], k["arpa_mrr"], 0.7, months=36,
                                   lang="fr", payback_months=k["payback_months"])]
    for figure in figures:
        figure.canvas.draw()  # tick labels are written at drawing time
        texts = "\n".join(t.get_text() for t in figure.findobj(Text))
        assert english_decimals(texts) == [], texts
        assert untranslated(texts) == [], texts
        plt.close(figure)
