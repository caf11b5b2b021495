"""A table read in place (outside the folder, by Spark): its listing, the listing's hash, and
that listing made again on this machine, without Spark, where the parts are local files.

``sources.yaml`` may name the touchpoints by a location (``s3a://bucket/touchpoints/``,
``file:///lake/touchpoints/``, ``/lake/touchpoints``): the Spark engine reads them where they
are (:mod:`cac_toolkit.audit.engines.in_place`), so their bytes are never read here and
their provenance is the **listing** that Hadoop's file system gave: each part's URL, size in
bytes and modification time in milliseconds (:func:`listing_sha256`).

The audit notebook receives the checked rows (:mod:`cac_toolkit.data.checked`) and the
listing (:class:`LocatedFileInfo`). It needs neither Spark nor the network: when every part
is a ``file:`` URL it lists the location again with the local file system
(:func:`relisted_sha256`) and refuses a part added, removed, resized or rewritten; any
other location is listed again by the command line, through Spark, after the notebook ran
(:mod:`cac_toolkit.runner`), and nothing is published if it changed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cac_toolkit.data.loading import FileInfo, parquet_parts


@dataclass(frozen=True)
class Part:
    """One Parquet file of a table read in place, as its file system lists it."""

    path: str  # its URL, as Hadoop's file system writes it (file:/lake/t/part-0.parquet)
    size: int  # bytes
    modified: int  # milliseconds since 1970, the file system's modification time


def order_key(path: str) -> list[str]:
    """A part's place in the loader's order (:func:`~cac_toolkit.data.loading.
    parquet_parts`: paths sorted by their components)."""
    return unquote(path.split("://", 1)[-1]).split("/")


def listing_sha256(parts: list[Part] | tuple[Part, ...]) -> str:
    """SHA-256 of a listing: each part's path, size in bytes and modification time
    (milliseconds), one line each in the order read. The parts' bytes are not read here: a
    part rewritten with the same size within the same millisecond is not seen."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part.path}\x00{part.size}\x00{part.modified}\n".encode())
    return digest.hexdigest()


@dataclass
class LocatedFileInfo(FileInfo):
    """:class:`~cac_toolkit.data.loading.FileInfo` of a table read in place: ``file`` is its
    ``location``, ``sha256`` the :func:`listing_sha256` of ``parts`` (``sha256_of``:
    ``listing`` in ``kpis.json``), not of their bytes."""

    location: str = ""
    parts: tuple[Part, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"file": self.location, "sha256": self.sha256, "rows": self.rows,
                "sha256_of": "listing"}


def _local_path(url: str) -> str | None:
    """The path on this machine of a ``file:`` URL (symbolic links resolved); None for a URL
    of another scheme."""
    split = urlsplit(url)
    if split.scheme != "file" or split.netloc not in ("", "localhost"):
        return None
    return os.path.realpath(unquote(split.path))


def local_root(info: LocatedFileInfo) -> Path | None:
    """Where ``info``'s location is on this machine, when every listed part is a local file
    (a ``file:`` URL, or an absolute path that Spark resolved on the local file system);
    None when the parts are elsewhere (a bucket, HDFS): then only Spark can list them."""
    if not info.parts or any(_local_path(p.path) is None for p in info.parts):
        return None
    location = info.location
    if location.startswith("/"):
        return Path(location)
    local = _local_path(location)
    return None if local is None else Path(local)


def relisted_sha256(info: LocatedFileInfo) -> str | None:
    """:func:`listing_sha256` of ``info``'s location listed again on this machine, as Hadoop
    lists it (the loader's choice of ``.parquet`` files, its order, the recorded URL of each
    part found again; a new part under its own URL, so that it changes the hash); None when
    the location is not local (:func:`local_root`), or the SHA-256 of nothing when it is
    gone."""
    root = local_root(info)
    if root is None:
        return None
    urls = {_local_path(p.path): p.path for p in info.parts}
    found = parquet_parts(root) if root.is_dir() else [root] if root.is_file() else []
    parts = []
    for path in found:
        try:
            status = path.stat()
        except OSError:  # removed meanwhile: the listing has changed
            continue
        # Java's File.lastModified: whole milliseconds, rounded down.
        parts.append(Part(urls.get(os.path.realpath(path), path.as_uri()), status.st_size,
                          status.st_mtime_ns // 1_000_000))
    return listing_sha256(sorted(parts, key=lambda p: order_key(p.path)))
