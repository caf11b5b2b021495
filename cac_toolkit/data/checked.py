"""Checked tables handed from the command line to the audit notebook, so inputs are read once.

``cac-toolkit audit`` reads and checks the folder once (:func:`cac_toolkit.data.loading.
load_folder`), then :func:`write_checked` stores the checked tables as Parquet files in the
run's temporary folder, with a manifest naming each raw file and the SHA-256 of its bytes.
The notebook's :func:`read_checked` verifies those hashes against the raw files (a file
changed since it was checked is refused) and reads the Parquet files, typed as checked: it
never parses the raw files again.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.loading import AuditData, FileInfo, sha256_of
from cac_toolkit.data.signals import DataWarning

MANIFEST = "manifest.json"
TABLE_NAMES = ("spend", "deals", "leads", "touchpoints")


def write_checked(data: AuditData, folder: str | Path) -> Path:
    """Write ``data``'s tables as ``folder/<table>.parquet`` plus ``folder/manifest.json``."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    tables: dict[str, dict[str, object]] = {}
    for name in TABLE_NAMES:
        frame = getattr(data, name)
        if frame is None:
            continue
        frame.to_parquet(root / f"{name}.parquet")
        info = data.files.get(name)
        tables[name] = {"parquet": f"{name}.parquet", "source": None if info is None else
                        str(info.path.resolve()), "sha256": None if info is None
                        else info.sha256, "rows": None if info is None else info.rows}
    manifest = {"currency": data.currency, "tables": tables,
                "warnings": [dataclasses.asdict(w) for w in data.warnings]}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return root


def read_checked(folder: str | Path) -> AuditData:
    """The tables that :func:`write_checked` stored, after checking the raw files' hashes."""
    root = Path(folder)
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    frames: dict[str, pd.DataFrame | None] = dict.fromkeys(TABLE_NAMES)
    files: dict[str, FileInfo] = {}
    for name, entry in manifest["tables"].items():
        if entry["source"] is not None:
            source = Path(entry["source"])
            try:
                digest = sha256_of(source)
            except OSError:
                digest = None
            if digest != entry["sha256"]:
                raise InputError(source.name, "changed or vanished while the audit ran; ",
                                 expected="the file as it was checked (run the audit again)")
            files[name] = FileInfo(name, source, digest, int(entry["rows"]))
        frames[name] = pd.read_parquet(root / entry["parquet"])
    return AuditData(spend=frames["spend"], deals=frames["deals"], leads=frames["leads"],
                     touchpoints=frames["touchpoints"], files=files,
                     currency=manifest["currency"],
                     warnings=[DataWarning(**w) for w in manifest["warnings"]])
