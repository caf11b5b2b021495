"""The mapping report of ``prepare``: what each source gave, in JSON and in Markdown.

Per source: the file and its preset, rows read, kept and dropped (with the reason of each
drop), the value maps applied (raw value -> contract value, with row counts), the raw values
no map covered, the ledger accounts kept and those listed for review, and the comparison of
ad-platform spend with the ledger (``reconcile: true``).
"""

from __future__ import annotations

import json

from cac_toolkit.data.signals import DataWarning


def report_dict(sources: list[dict], warnings: list[DataWarning],
                reconciliation: list[dict]) -> dict[str, object]:
    return {"sources": sources, "reconciliation": reconciliation,
            "warnings": [w.as_dict() for w in warnings]}


def report_json(report: dict[str, object]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict[str, object]) -> str:
    """The same facts as the JSON, for a person: one section per source."""
    lines = ["# Mapping report", ""]
    warnings = report.get("warnings") or []
    if warnings:
        lines += ["## Warnings", ""]
        lines += [f"- **{w['code']}**: {_cell(w['message'])}" for w in warnings]
        lines.append("")
    for source in report["sources"]:  # type: ignore[union-attr]
        preset = source.get("preset") or "contract layout"
        lines += [f"## {source['source']}: {source['file']} ({preset})", "",
                  f"- rows read: {source['rows_read']}",
                  f"- rows kept: {source['rows_kept']}"]
        for reason, n in source["dropped"].items():
            lines.append(f"- dropped, {_cell(reason)}: {n}")
        if source.get("amount_is"):
            lines.append(f"- amounts read as: {source['amount_is']}")
        if source.get("accounts_from_deal_id"):
            lines.append(f"- won deals with no company, counted as their own account: "
                         f"{source['accounts_from_deal_id']}")
        lines.append("")
        for column, maps in source["value_maps"].items():
            lines += [f"Values mapped in `{column}`:", "", "| raw value | becomes | rows |",
                      "|---|---|---:|"]
            lines += [f"| {_cell(raw)} | {_cell(m['to'])} | {m['rows']} |"
                      for raw, m in maps.items()]
            lines.append("")
        for column, values in source["uncovered"].items():
            lines += [f"Values of `{column}` that no map covered (kept as written):", "",
                      "| raw value | rows |", "|---|---:|"]
            lines += [f"| {_cell(raw)} | {n} |" for raw, n in values.items()]
            lines.append("")
        if source.get("accounts"):
            lines += ["Ledger accounts kept:", "", "| prefix | category | lines | amount |",
                      "|---|---|---:|---:|"]
            lines += [f"| {p} | {a['category']} | {a['rows']} | {a['amount']:,.2f} |"
                      for p, a in source["accounts"].items()]
            lines.append("")
        if source.get("accounts_for_review"):
            lines += ["Accounts not mapped, to review (not in the figures):", "",
                      "| account | label | lines | net debit | why |",
                      "|---|---|---:|---:|---|"]
            lines += [f"| {n} | {_cell(a['label'])} | {a['rows']} | {a['amount']:,.2f} | "
                      f"{_cell(a['why'])} |" for n, a in source["accounts_for_review"].items()]
            lines.append("")
    reconciliation = report.get("reconciliation") or []
    if reconciliation:
        lines += ["## Ad platforms against the ledger", "",
                  "| source | channel | month | platform | ledger | gap |",
                  "|---|---|---|---:|---:|---:|"]
        lines += [f"| {r['source']} | {_cell(r['channel'])} | {r['month']} | "
                  f"{r['platform']:,.2f} | {r['ledger']:,.2f} | {r['gap']:,.2f} |"
                  for r in reconciliation]
        lines.append("")
    return "\n".join(lines)
