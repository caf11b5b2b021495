"""Where the tool may write: decided before any work starts, so no user file is ever lost.

* A command's output folder (``audit --out``, ``prepare --out``, ``sample``) must be absent,
  empty, or a folder an earlier run of the same command wrote: the command leaves its marker
  file (:func:`marker_name`: ``.cac-toolkit-audit``, ``.cac-toolkit-prepare``...) in it, and
  such a folder holds only that command's own files. Anything else is refused naming what is
  in the way, unless ``force``; a path that is a file (or anything but a folder) is refused
  even then. The finished folder replaces the earlier one in two renames (:func:`publish`).
* No output (audit folder or ``kpis --out`` file), once ``.``, ``..`` and links are resolved,
  may be, contain or sit inside an input folder or the target of an input file.
* Temporary folders ``.OUT.tmp-XXXXXXXX`` and replaced folders ``.OUT.old-XXXXXXXX`` that an
  interrupted run left beside the output are removed by the next run (only names of that
  exact shape, holding our marker, whose run is not alive).
* Every operating-system failure becomes one :class:`CacToolkitError` line naming the path,
  the reason and what to do (:func:`os_failure`).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cac_toolkit.core.errors import CacToolkitError


def marker_name(command: str = "audit") -> str:
    """The marker file ``command`` writes in its output folder (and in its temporary one)."""
    return f".cac-toolkit-{command}"


def marker_text(command: str = "audit") -> str:
    """The marker's first line: what wrote the folder and that the next run replaces it."""
    return (f"This folder was written by cac-toolkit {command}; the next {command} into it "
            "replaces it.\n")


#: The file an audit writes in its output folder (and in its temporary folder, with its pid).
MARKER = marker_name("audit")
MARKER_TEXT = marker_text("audit")
#: The random part of our temporary names (``tempfile.mkdtemp``'s alphabet and length).
_RANDOM = "[a-z0-9_]{8}"

_HINTS = {
    errno.EACCES: "check its permissions or choose another location",
    errno.EPERM: "check its permissions or choose another location",
    errno.EROFS: "the file system is read-only; choose another location",
    errno.ENOSPC: "the disk is full; free some space or choose another location",
    errno.EDQUOT: "the disk quota is exhausted; free some space or choose another location",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder; give a file name",
    errno.EBUSY: "it is in use (a mount point?); choose another location",
    errno.ENOENT: "it or its folder does not exist, or the folder takes no new files",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "its links loop",
}


def os_failure(exc: OSError, path: Path | str, doing: str) -> CacToolkitError:
    """One line for an operating-system failure: ``cannot write OUT: reason (ERRNO); hint``."""
    code = errno.errorcode.get(exc.errno or 0, "")
    reason = exc.strerror or exc.__class__.__name__
    hint = _HINTS.get(exc.errno or 0)
    text = f"cannot {doing} {path}: {reason}" + (f" ({code})" if code else "")
    return CacToolkitError(text + (f"; {hint}" if hint else ""))


def unencodable(path: Path | str) -> bool:
    """True when a path holds bytes that are not UTF-8 (Python shows them as surrogates)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def resolved(path: Path | str) -> Path:
    """The absolute path with ``.``, ``..`` and links resolved (as far as it exists)."""
    return Path(os.path.realpath(os.path.abspath(path)))


def input_targets(data_dir: Path) -> list[Path]:
    """The input folder and the real target of each entry in it (links followed)."""
    targets = [resolved(data_dir)]
    try:
        entries = list(Path(data_dir).iterdir())
    except OSError:
        return targets  # the loader reports an unreadable folder, naming it
    targets += [resolved(entry) for entry in entries]
    return targets


def refuse_overlap(out: Path, shown: str, data_dir: Path) -> None:
    """Refuse an output that is, contains or sits inside an input (links followed)."""
    target = resolved(out)
    folder = resolved(data_dir)
    for source in input_targets(data_dir):
        what = "input folder" if source == folder or source.is_dir() else "input file"
        if source in target.parents:
            relation = "be inside"
        elif target == source:
            relation = "be"
        elif target in source.parents:
            relation = "contain or be inside" if what == "input folder" else "contain"
        else:
            continue
        raise CacToolkitError(f"{shown}: the output must not {relation} the {what} {source} "
                              "(links followed); choose another location")


def _entries(folder: Path, shown: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError as exc:
        raise os_failure(exc, shown, "list the output folder") from None


def check_audit_folder(out: Path, shown: str, own_names: Iterable[str], force: bool,
                       command: str = "audit") -> None:
    """Refuse an output folder that holds anything ``command`` did not write (module doc)."""
    if out.name in ("", ".", "..") or out == out.parent:
        raise CacToolkitError(f"{shown}: cannot be an output folder (it is a root folder); "
                              "give a new folder's name")
    if not out.exists():
        if out.is_symlink():
            raise CacToolkitError(f"{shown}: is a link to nothing; remove it or give another "
                                  "folder")
        return
    if not out.is_dir():
        raise CacToolkitError(f"{shown}: is a file, not a folder, and is never replaced by "
                              "one; give a new folder's name (even --force keeps files)")
    entries = _entries(out, shown)
    if not entries or force:
        return
    marker = marker_name(command)
    own = set(own_names) | {marker}
    writer, run = ("the audit", "an audit") if command == "audit" else (
        f"cac-toolkit {command}", f"cac-toolkit {command}")
    if marker in entries:
        foreign = [name for name in entries if name not in own]
        if not foreign:
            return
        raise CacToolkitError(f"{shown}: holds files that {writer} did not write "
                              f"({_names(foreign)}); move them away, or use --force to "
                              "replace the whole folder")
    raise CacToolkitError(f"{shown}: is not empty and was not written by {run} (it holds "
                          f"{_names(entries)}); give an empty or new folder, or use --force "
                          "to replace the whole folder")


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def temp_prefix(out: Path, kind: str) -> str:
    """The name prefix of our ``tmp`` and ``old`` folders beside ``out``."""
    return f".{out.name}.{kind}-"


def is_temporary(name: str, out_name: str) -> bool:
    """True for ``.OUT.tmp-XXXXXXXX`` / ``.OUT.old-XXXXXXXX``: what a run into ``OUT`` left."""
    return re.match(rf"^\.{re.escape(out_name)}\.(?:tmp|old)-{_RANDOM}$", name) is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def write_marker(folder: Path, command: str = "audit") -> None:
    """Mark ``folder`` as ``command``'s; the pid says which run is still writing it."""
    (folder / marker_name(command)).write_text(marker_text(command) + f"pid {os.getpid()}\n",
                                               encoding="utf-8")


def make_work_folder(out: Path, command: str = "audit") -> Path:
    """The temporary folder ``.OUT.tmp-XXXXXXXX`` beside ``out``, marked, readable like a
    normal folder (``mkdtemp`` makes it private); one line if the location takes no files."""
    try:
        work = Path(tempfile.mkdtemp(prefix=temp_prefix(out, "tmp"), dir=out.parent))
    except OSError as exc:
        raise os_failure(exc, out.parent, "create a folder in") from None
    write_marker(work, command)
    work.chmod(0o777 & ~_umask())
    return work


def publish(work: Path, out: Path, command: str = "audit") -> None:
    """Swap the finished folder ``work`` into place as ``out`` (two renames): never a
    half-written ``out``; the earlier output, renamed ``.OUT.old-XXXXXXXX`` meanwhile, is
    removed after (or renamed back if the second rename fails)."""
    old = out.with_name(temp_prefix(out, "old") + work.name[-8:])
    (work / marker_name(command)).write_text(marker_text(command), encoding="utf-8")
    if out.exists():
        out.rename(old)
        try:
            work.rename(out)
        except OSError:
            old.rename(out)
            raise
    else:
        work.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def remove_stale(out: Path, command: str = "audit") -> list[Path]:
    """Remove ``.OUT.tmp-*`` / ``.OUT.old-*`` folders that interrupted runs left; returns them.

    Only folders named exactly as this tool names them, holding its marker, and whose run
    (the pid in the marker) is no longer alive are removed; anything else stays. An ``old``
    folder whose output is missing (a run killed between the two renames of its publish) is
    renamed back into place instead: it is the earlier output.
    """
    removed: list[Path] = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not is_temporary(entry.name, out.name) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            marker = (entry / marker_name(command)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = re.search(r"^pid (\d+)$", marker, re.MULTILINE)
        alive = found and int(found.group(1)) != os.getpid() and _alive(int(found.group(1)))
        if not marker.startswith(marker_text(command)) or alive:
            continue
        if ".old-" in entry.name and not out.exists() and not out.is_symlink():
            entry.rename(out)  # killed between the two renames: the earlier output comes back
        else:
            shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def check_file_target(path: Path, shown: str) -> None:
    """Refuse a file output that names a folder (before any work, and again when writing)."""
    if path.is_dir():
        raise CacToolkitError(f"{shown}: is a folder; give a file name such as "
                              f"{Path(shown) / 'kpis.json'}")


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents; one line if that fails (a file in the way...)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be
        raise os_failure(OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)), folder,
                         "create the folder") from None
    except OSError as exc:
        raise os_failure(exc, folder, "create the folder") from None


def write_atomically(path: Path, text: str | Iterable[str], shown: str) -> None:
    """Write ``text`` (or its pieces) to ``path`` through a temporary file beside it, renamed
    into place.

    Readers never see a half-written file and a failure (full disk, read-only location)
    leaves neither a partial file nor a temporary one behind.
    """
    check_file_target(path, shown)
    make_folder(path.parent)
    tmp: str | None = None
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise os_failure(exc, shown, "write") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
