"""Checked tables handed from the command line to the audit notebook, so inputs are read once.

``cac-toolkit audit`` reads and checks the folder once (:func:`cac_toolkit.data.loading.
load_folder`), then :func:`write_checked` stores the checked tables as Parquet files in the
run's temporary folder, and the rest of the :class:`~cac_toolkit.data.loading.AuditData`
(each input file with the SHA-256 of its bytes, the currency, the loader's warnings) beside
them. The notebook's :func:`read_checked` verifies those hashes against the raw files (a file
changed since it was checked is refused) and reads the Parquet files, typed as checked: it
never parses the raw files again.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pandas as pd

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.loading import AuditData, sha256_of

TABLE_NAMES = ("spend", "deals", "leads", "touchpoints")
#: Everything but the tables, written by this package in this run and read back by it.
META = "audit-data.pickle"


def write_checked(data: AuditData, folder: str | Path) -> Path:
    """Write ``data``'s tables as ``folder/<table>.parquet`` and the rest beside them."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        frame = getattr(data, name)
        if frame is not None:
            frame.to_parquet(root / f"{name}.parquet")
    # Absolute paths: the notebook's kernel runs in another folder than the command line.
    files = {key: dataclasses.replace(info, path=Path(info.path).resolve())
             for key, info in data.files.items()}
    meta = dataclasses.replace(data, files=files, **dict.fromkeys(TABLE_NAMES))
    (root / META).write_bytes(pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL))
    return root


def read_checked(folder: str | Path) -> AuditData:
    """The data that :func:`write_checked` stored, after checking the raw files' hashes."""
    root = Path(folder)
    meta: AuditData = pickle.loads((root / META).read_bytes())  # noqa: S301 - our own file
    for info in meta.files.values():
        try:
            digest = sha256_of(info.path)
        except OSError:
            digest = None
        if digest != info.sha256:
            raise InputError(info.path.name, "changed or vanished while the audit ran; ",
                             expected="the file as it was checked (run the audit again)")
    tables = {name: pd.read_parquet(root / f"{name}.parquet")
              if (root / f"{name}.parquet").is_file() else None for name in TABLE_NAMES}
    return dataclasses.replace(meta, **tables)
