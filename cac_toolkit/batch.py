"""``cac-toolkit audit-batch clients.yaml --out DIR``: one audit per client, one summary.

``clients.yaml`` lists the clients, each with its folder (relative to the YAML file) and its
parameters; ``parameters`` at the top level are shared (a client's own win)::

    parameters: {period: 2026-Q1, gross_margin: 0.8, lifetime_months: 24}
    clients:
      - {name: acme, folder: acme}
      - {name: bolt, folder: exports/bolt, parameters: {lang: fr}}

Each client's audit goes to ``DIR/<name>/``; a client that fails is recorded with its one-line
error and the batch goes on. ``summary.csv`` and ``summary.xlsx`` hold each client's headline
KPIs, or its error.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.core.outputs import (
    check_audit_folder,
    is_temporary,
    make_folder,
    refuse_overlap,
    resolved,
    write_marker,
)
from cac_toolkit.runner import run_audit

#: The command whose marker says a folder is a batch's output.
BATCH = "audit-batch"
SUMMARY_COLUMNS = ("client", "status", "error", "period_start", "period_end", "currency",
                   "spend_total", "new_customers", "cac_global", "cac_marketing", "cac_sales",
                   "arpa_mrr", "ltv", "ltv_cac", "payback_months", "previous_cac_global",
                   "warnings")


@dataclass(frozen=True)
class Client:
    name: str
    folder: Path
    parameters: dict[str, object]


def read_clients(path: Path) -> list[Client]:
    """The clients of a ``clients.yaml``, checked (one-line errors)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CacToolkitError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise CacToolkitError(f"{path.name}{line}: not valid YAML") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("clients"), list):
        raise CacToolkitError(f"{path.name}: expected a mapping with a list 'clients' of "
                              "{name, folder, parameters}")
    shared = loaded.get("parameters") or {}
    if not isinstance(shared, dict):
        raise CacToolkitError(f"{path.name}: parameters: expected a mapping")
    clients, names = [], set()
    for position, entry in enumerate(loaded["clients"], start=1):
        if not isinstance(entry, dict) or "folder" not in entry:
            raise CacToolkitError(f"{path.name}: client {position}: expected {{name, folder, "
                                  "parameters}}")
        name = str(entry.get("name") or Path(str(entry["folder"])).name)
        if not re.fullmatch(r"[\w.\- ]+", name) or name in names or name.startswith("."):
            raise CacToolkitError(f"{path.name}: client {position}: expected a unique name "
                                  f"made of letters, digits, '.', '-' or '_', got '{name}'")
        names.add(name)
        own = entry.get("parameters") or {}
        if not isinstance(own, dict):
            raise CacToolkitError(f"{path.name}: client {name}: parameters: expected a mapping")
        clients.append(Client(name, (path.parent / str(entry["folder"])).resolve(),
                              {**shared, **own}))
    return clients


def _row(client: Client, kpis: dict | None, error: str | None) -> dict[str, object]:
    row: dict[str, object] = {column: "" for column in SUMMARY_COLUMNS}
    row["client"] = client.name
    if kpis is None:
        row.update(status="error", error=error or "")
        return row
    cac = kpis.get("cac") or {}
    row.update(status="ok", period_start=kpis["period"]["start"],
               period_end=kpis["period"]["end"], currency=kpis.get("currency", ""),
               spend_total=kpis["spend"]["total"], new_customers=kpis["new_customers"],
               cac_global=cac.get("global"), cac_marketing=cac.get("marketing"),
               cac_sales=cac.get("sales"), arpa_mrr=kpis.get("arpa_mrr"), ltv=kpis.get("ltv"),
               ltv_cac=kpis.get("ltv_cac"), payback_months=kpis.get("payback_months"),
               previous_cac_global=(kpis.get("previous") or {}).get("cac", {}).get("global"),
               warnings=len(kpis.get("warnings") or []))
    return {k: ("" if v is None else v) for k, v in row.items()}


def batch_outputs(clients: list[Client], entries: list[str]) -> list[str]:
    """The names a batch may find in its folder: the summaries, each client's folder and
    diagnosis folder, and the temporary folders an interrupted client audit left (removed by
    that client's next audit)."""
    own = ["summary.csv", "summary.xlsx"]
    for client in clients:
        own += [client.name, f"{client.name}.failed"]
        own += [name for name in entries if is_temporary(name, client.name)]
    return own


def run_batch(clients_file: str | Path, out_dir: str | Path, progress: bool = False,
              force: bool = False) -> list[dict[str, object]]:
    """Audit every client into ``out_dir/<name>/``; write ``summary.csv`` and ``summary.xlsx``.

    Returns the summary rows. A client's failure (a bad file, a bad parameter, a notebook
    error) is its row's ``error``; the other clients are still audited. Before any audit,
    ``out_dir`` (``.``, ``..`` and links resolved) is refused if it is, contains or sits inside
    a client's folder, or if it holds anything a batch did not write (its
    ``.cac-toolkit-audit-batch`` marker), unless ``force``.
    """
    clients_file, shown = Path(clients_file), str(out_dir)
    clients = read_clients(clients_file)
    out_dir = resolved(out_dir)
    for client in clients:
        refuse_overlap(out_dir, shown, client.folder)
    entries = sorted(os.listdir(out_dir)) if out_dir.is_dir() else []
    check_audit_folder(out_dir, shown, batch_outputs(clients, entries), force, BATCH)
    make_folder(out_dir)
    write_marker(out_dir, BATCH)
    rows = []
    for client in clients:
        try:
            params = AuditParameters.from_mapping(client.parameters)
            result = run_audit(client.folder, out_dir / client.name, params, progress=progress,
                               force=force)
        except CacToolkitError as error:
            rows.append(_row(client, None, str(error)))
            continue
        rows.append(_row(client, result.kpis, None))
    _write_csv(out_dir / "summary.csv", rows)
    _write_xlsx(out_dir / "summary.xlsx", rows)
    return rows


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _write_xlsx(path: Path, rows: list[dict[str, object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Summary"
    sheet.append(list(SUMMARY_COLUMNS))
    for row in rows:
        cells = []
        for column in SUMMARY_COLUMNS:
            value = row[column]
            # Client text is data: a leading '=' must not become a formula.
            cells.append(value if not isinstance(value, str) else value)
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    money = "#,##0.00"
    for column in ("spend_total", "cac_global", "cac_marketing", "cac_sales", "arpa_mrr",
                   "ltv", "previous_cac_global"):
        index = SUMMARY_COLUMNS.index(column) + 1
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, index).number_format = money
    sheet.freeze_panes = "B2"
    tmp = path.with_name(path.name + ".tmp.xlsx")
    book.save(tmp)
    tmp.replace(path)
