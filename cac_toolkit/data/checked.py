"""Checked tables handed from the command line to the audit notebook, so inputs are read once.

``cac-toolkit audit`` reads and checks the folder once (:func:`cac_toolkit.data.loading.
load_folder`), then :func:`write_checked` stores the checked tables as Parquet files in the
run's temporary folder, and the rest of the :class:`~cac_toolkit.data.loading.AuditData`
(each input file with the SHA-256 of its bytes, the currency, the loader's warnings) beside
them. The notebook's :func:`read_checked` verifies those hashes against the raw files (a file
changed since it was checked is refused) and reads the Parquet files, typed as checked: it
never parses the raw files again.

A table read in place by Spark (:mod:`cac_toolkit.data.located`) has no file here: its
checked rows are those that the KPI file reads (the kept touches with their ``journeys``),
and its provenance is the listing of its Parquet parts. :func:`read_checked` lists a local
location again, without Spark, and refuses a changed listing; the listing of any other
location (a bucket, HDFS) is made again by the command line after the notebook, which
publishes nothing if it changed (:mod:`cac_toolkit.runner`).
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pandas as pd

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.loading import AuditData, FileInfo, sha256_of
from cac_toolkit.data.located import LocatedFileInfo, relisted_sha256

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
    files = {key: info if isinstance(info, LocatedFileInfo) else
             dataclasses.replace(info, path=Path(info.path).resolve())
             for key, info in data.files.items()}
    meta = dataclasses.replace(data, files=files, **dict.fromkeys(TABLE_NAMES))
    (root / META).write_bytes(pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL))
    return root


def read_checked(folder: str | Path) -> AuditData:
    """The data that :func:`write_checked` stored, after checking the raw files' hashes."""
    root = Path(folder)
    meta: AuditData = pickle.loads((root / META).read_bytes())  # noqa: S301 - our own file
    for info in meta.files.values():
        verify(info)
    tables = {name: pd.read_parquet(root / f"{name}.parquet")
              if (root / f"{name}.parquet").is_file() else None for name in TABLE_NAMES}
    return dataclasses.replace(meta, **tables)


def verify(info: FileInfo) -> None:
    """Refuse an input that is no longer what was checked: a file whose bytes changed, or a
    table read in place whose local listing changed (a part added, removed, resized or
    rewritten). A table read in place elsewhere than on this machine is not listed here
    (that takes Spark): the command line lists it again once the notebook has run."""
    if isinstance(info, LocatedFileInfo):
        digest = relisted_sha256(info)
        if digest is not None and digest != info.sha256:
            raise InputError(info.location, "its Parquet parts changed while the audit ran "
                             "(a part added, removed, resized or rewritten); ",
                             expected="the parts as they were read (run the audit again)")
        return
    try:
        digest = sha256_of(info.path)
    except OSError:
        digest = None
    if digest != info.sha256:
        raise InputError(info.path.name, "changed or vanished while the audit ran; ",
                         expected="the file as it was checked (run the audit again)")
