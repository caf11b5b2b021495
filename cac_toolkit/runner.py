"""Run the audit notebook on a client's folder and publish its four outputs atomically.

``run_audit`` checks the inputs in-process first (so a bad file fails in a second with the
one-line error), executes the audit notebook (package data: ``notebooks/audit.ipynb`` inside
the package) with papermill into a temporary folder beside the output, exports a code-free
offline HTML report (cells tagged ``remove-cell``, kept for tests, are left out), optionally
prints it to ``report.pdf`` with headless Chromium, checks that the notebook's ``kpis.json``
equals the one computed in-process and that no input changed meanwhile, and only then moves
the folder into place.
Where it may write is decided before any work (:mod:`cac_toolkit.core.outputs`). A failure
or an interruption (SIGINT, SIGTERM, SIGHUP) leaves any earlier output untouched and removes
the temporary folder and the kernel's connection file; a failed run keeps its partly
executed notebook in ``OUT_DIR.failed/`` for diagnosis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cac_toolkit.audit.engines import listed_again, read_folder
from cac_toolkit.audit.engines.staging import release_memory
from cac_toolkit.audit.kpis import HISTORY_PERIODS, compute_kpis, kpis_json_pieces
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, printable
from cac_toolkit.core.interrupts import Interrupted, InterruptState, interruptible
from cac_toolkit.core.outputs import (
    MARKER,
    check_audit_folder,
    make_folder,
    os_failure,
    publish,
    refuse_overlap,
    remove_stale,
    resolved,
    temp_prefix,
    unencodable,
    write_marker,
)
from cac_toolkit.core.resources import audit_notebook, template_dir
from cac_toolkit.data.checked import write_checked
from cac_toolkit.data.loading import FileInfo, sha256_of
from cac_toolkit.data.located import LocatedFileInfo
from cac_toolkit.render.i18n import t

OUTPUTS = ("report.ipynb", "report.html", "kpis.json", "workbook.xlsx")
PDF = "report.pdf"
#: Folder of the run's temporary folder holding the checked tables for the notebook.
CHECKED = "checked-inputs"

#: Cells carrying this tag are for tests (nbval) and never reach the reader's HTML or PDF.
REMOVE_TAG = "remove-cell"

#: Names under which Debian and other systems install a Chromium that can print headless.
CHROMIUM_NAMES = ("chromium", "chromium-headless-shell", "chromium-browser", "google-chrome",
                  "google-chrome-stable")

#: Flags that keep a headless Chromium quiet and self-contained (no sync, no updates, no GPU).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-extensions", "--no-pdf-header-footer")


@dataclass(frozen=True)
class AuditResult:
    """Where the outputs are, and the KPIs they hold."""

    out_dir: Path
    kpis: dict

    @property
    def files(self) -> list[Path]:
        names = list(OUTPUTS)
        if (self.out_dir / PDF).is_file():
            names.append(PDF)
        return [self.out_dir / name for name in names]


def notebook_parameters(data_dir: Path, params: AuditParameters, run_date: str
                        ) -> dict[str, object]:
    """The papermill parameters: the contract's names plus where to read and write.

    The outputs are named relative to the kernel's working folder (the temporary folder), so
    that no path the notebook receives depends on how the output folder is spelled.
    """
    values = params.all_values()
    values.update({"data_dir": str(data_dir), "checked_dir": CHECKED,
                   "kpis_out": "kpis.json",
                   "workbook_out": "workbook.xlsx", "run_date": run_date})
    return values


def stabilise_notebook(path: Path) -> None:
    """Remove what papermill records that changes from run to run without meaning anything.

    The injected-parameters cell gets a fixed id (papermill draws a random one) and the
    timings and temporary paths of papermill's metadata are dropped, so that the same inputs
    and parameters give the same ``report.ipynb`` and ``report.html``, byte for byte.
    """
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    recorded = notebook.metadata.get("papermill", {})
    for volatile in ("start_time", "end_time", "duration", "input_path", "output_path",
                     "exception"):
        recorded.pop(volatile, None)
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def export_html(notebook: Path, target: Path, lang: str = "en") -> None:
    """Write the executed notebook as HTML without code, with no request to outside hosts.

    The page's title (the browser tab, a PDF's metadata) is in the report's language ``lang``.

    Cells tagged :data:`REMOVE_TAG` (the headline printed for nbval) are removed by
    nbconvert's ``TagRemovePreprocessor``: nothing reaches the reader that is not for them.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="offline", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            extra_template_basedirs=[str(template_dir())])
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG}, enabled=True), enabled=True)
    node = nbformat.read(notebook, as_version=4)
    node.metadata["title"] = t("report.page_title", lang)
    body, _ = exporter.from_notebook_node(node)
    target.write_text(body, encoding="utf-8")


def find_chromium() -> str | None:
    """The path of a Chromium able to print headless, or ``None`` when none is installed."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium to print with; a one-line error saying how to install one otherwise."""
    found = find_chromium()
    if found is None:
        raise CacToolkitError("--pdf needs a headless Chromium (none of " +
                              ", ".join(CHROMIUM_NAMES) + " is on PATH); install one, e.g. "
                              "`apt-get install chromium` on Debian, or drop --pdf")
    return found


def print_pdf(html: Path, target: Path, chromium: str | None = None,
              timeout: float = 180) -> None:
    """Print ``html`` to the PDF ``target`` with headless Chromium (A4, the report's print CSS).

    The page size, margins, page breaks and the footer (title, period, page numbers) come
    from the report's ``@media print`` and ``@page`` rules; Chromium's own header and footer
    (date, file URL) are turned off. A fresh profile folder is used and removed afterwards.
    """
    browser = chromium or require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="cac-chromium-"))
    try:
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--print-to-pdf={target.resolve()}", html.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise CacToolkitError(f"{browser} did not print {html.name} within "
                                  f"{timeout:.0f} s") from None
        if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise CacToolkitError(f"{browser} could not print {html.name} to PDF: {last}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def rows_read(progress: bool) -> Callable[[str, int], None] | None:
    """The loader's progress report: one line per table read and checked, on stderr."""
    if not progress:
        return None
    return lambda name, rows: _say(f"read {name}: {rows:,} rows checked", True)


def _say(message: str, progress: bool) -> None:
    if progress:
        print(f"cac-toolkit: {message}", file=sys.stderr, flush=True)


def _notebook_error(notebook: Path) -> str:
    """The error a failed notebook ended on, as one line (our errors are already one line)."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "the audit notebook failed"
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return str(output.get("evalue", "")).splitlines()[0] if output.get(
                    "evalue") else output.get("ename", "error")
    return "the audit notebook failed"


def _stage(name: str) -> None:
    """Called as the run reaches each step (``inputs``, ``notebook``, ``html``, ``publish``):
    a seam for tests that interrupt a run at an exact place; does nothing."""


def _own_folder(folder: Path) -> bool:
    """True for a folder this tool wrote (it holds the marker), which it may replace."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


def _keep_failed(work: Path, out_dir: Path) -> str:
    """Keep the partly executed notebook in ``OUT.failed/``; says where (or why not)."""
    failed = out_dir.with_name(out_dir.name + ".failed")
    if failed.exists() or failed.is_symlink():
        if not _own_folder(failed):
            return f"partly executed notebook not kept: {failed} is not the audit's"
        shutil.rmtree(failed)
    failed.mkdir()
    write_marker(failed)
    shutil.copy2(work / "report.ipynb", failed / "report.ipynb")
    return f"partly executed notebook kept in {failed / 'report.ipynb'}"


def _changed_inputs(files: dict[str, FileInfo], spark_master: str) -> list[str]:
    """The input files whose bytes are no longer those that were parsed and hashed, and the
    locations read in place whose listing (made again by Spark on ``spark_master``, which
    read them) is no longer the one recorded."""
    changed = []
    for info in files.values():
        if isinstance(info, LocatedFileInfo):
            if listed_again(info, spark_master) != info.sha256:
                changed.append(info.location)
            continue
        try:
            same = sha256_of(info.path) == info.sha256
        except OSError:
            same = False
        if not same:
            changed.append(info.path.name)
    return changed


def _publish(work: Path, out_dir: Path) -> None:
    """Swap the finished folder into place (two renames): never a half-written ``out_dir``."""
    publish(work, out_dir, "audit")


def _stop_kernels() -> None:
    """End the kernels this process started and did not shut down (an interrupted run).

    papermill shuts its kernel down when a notebook ends; when a signal cuts the run short the
    kernel (started in a session of its own, so the terminal's signal never reaches it) would
    outlive the run and write errors about its removed folder after our last line. Linux's
    ``/proc`` lists our children; elsewhere there is nothing to look at and nothing is done.
    """
    me = str(os.getpid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        if fields.get("PPid", "").strip() == me and b"ipykernel" in command:
            pid = int(status.parent.name)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


@contextmanager
def _kernel_runtime_dir() -> Iterator[Path]:
    """A private folder for the kernel's connection file, removed whatever happens.

    jupyter_client writes a kernel's connection file with ``tempfile.mkstemp`` when it is
    given no name, and removes it only on a clean shutdown: the module's temporary folder
    points here meanwhile, so that a run interrupted at any moment (even between the file's
    writing and the kernel's start) leaves nothing in the user's temporary folder.
    """
    folder = Path(tempfile.mkdtemp(prefix="cac-toolkit-kernel-"))
    previous = os.environ.get("JUPYTER_RUNTIME_DIR")
    previous_tempdir = tempfile.tempdir
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder)
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous_tempdir
        _stop_kernels()
        if previous is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR", None)
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def run_audit(data_dir: str | Path, out_dir: str | Path, params: AuditParameters | None = None,
              *, progress: bool = True, run_date: str | None = None,
              notebook: str | Path | None = None, force: bool = False,
              pdf: bool = False) -> AuditResult:
    """Audit ``data_dir`` into ``out_dir``: report.ipynb, report.html, kpis.json, workbook.xlsx,
    and ``report.pdf`` when ``pdf`` is true (which needs a Chromium: checked before any work).

    ``out_dir`` must be absent, empty or an earlier audit's folder (``force`` replaces any
    folder, never a file); see :mod:`cac_toolkit.core.outputs`. SIGINT, SIGTERM and SIGHUP
    raise :class:`~cac_toolkit.core.interrupts.Interrupted` with the earlier output in place
    and the temporary folders removed.
    """
    shown = str(out_dir)
    with interruptible() as state:
        try:
            return _run_audit(Path(data_dir), resolved(out_dir), shown,
                              params or AuditParameters(), progress=progress,
                              run_date=run_date, notebook=notebook, force=force, state=state,
                              pdf=pdf)
        except OSError as exc:
            raise os_failure(exc, exc.filename or shown, "write") from None


def _run_audit(data_dir: Path, out_dir: Path, shown: str, params: AuditParameters, *,
               progress: bool, run_date: str | None, notebook: str | Path | None,
               force: bool, state: InterruptState, pdf: bool = False) -> AuditResult:
    import papermill

    chromium = require_chromium() if pdf else None

    if unencodable(out_dir):
        raise CacToolkitError(f"{shown}: the output path is not valid UTF-8; choose a folder "
                              "whose path is UTF-8 text")
    refuse_overlap(out_dir, shown, data_dir)
    check_audit_folder(out_dir, shown, (*OUTPUTS, PDF), force)
    make_folder(out_dir.parent)
    remove_stale(out_dir)
    # The temporary folder first: a location that takes no files fails before any work.
    try:
        work = Path(tempfile.mkdtemp(prefix=temp_prefix(out_dir, "tmp"), dir=out_dir.parent))
    except OSError as exc:
        raise os_failure(exc, out_dir.parent, "create a folder in") from None
    try:
        write_marker(work)
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o777 & ~umask)  # mkdtemp makes it private; the published folder should not be
        _say(f"checking the inputs in {printable(data_dir)}", progress)
        # A large folder (or -p engine duckdb|spark) is checked out of core: only the rows
        # that the KPI file reads come into memory, and on to the notebook. So are the
        # touchpoints that sources.yaml locates outside the folder (read in place by Spark):
        # the notebook gets their kept touches and their listing.
        data = read_folder(data_dir, params, HISTORY_PERIODS, progress=rows_read(progress))
        expected = _digest(kpis_json_pieces(compute_kpis(data, params)))
        run_date = run_date or dt.date.today().isoformat()
        _stage("inputs")
        state.check()
        source = Path(notebook) if notebook else audit_notebook()
        write_checked(data, work / CHECKED)  # the notebook reads these, not the raw files
        # The kernel holds the tables now: this process keeps only the files' provenance.
        files = data.files
        del data
        release_memory()
        _say("running the audit notebook", progress)
        with _kernel_runtime_dir() as runtime:
            folder = data_dir.resolve()
            if unencodable(folder):  # papermill writes parameters as UTF-8 text: use a link
                folder = runtime / "inputs"
                folder.symlink_to(data_dir.resolve(), target_is_directory=True)
            _stage("notebook")
            try:
                papermill.execute_notebook(
                    str(source), str(work / "report.ipynb"),
                    parameters=notebook_parameters(folder, params, run_date),
                    progress_bar=progress, cwd=str(work), kernel_name="python3",
                    log_output=False)
            except papermill.PapermillExecutionError:
                state.check()
                changed = _changed_inputs(files, params.spark_master)
                if changed:
                    raise _changed_error(changed) from None
                raise CacToolkitError(f"{_notebook_error(work / 'report.ipynb')} "
                                      f"({_keep_failed(work, out_dir)})") from None
        state.check()
        changed = _changed_inputs(files, params.spark_master)
        if changed:
            raise _changed_error(changed)
        _say("writing the HTML report", progress)
        stabilise_notebook(work / "report.ipynb")
        _stage("html")
        export_html(work / "report.ipynb", work / "report.html", params.lang)
        state.check()
        if chromium:
            _say("printing report.pdf", progress)
            print_pdf(work / "report.html", work / PDF, chromium)
            state.check()
        if sha256_of(work / "kpis.json") != expected:
            raise CacToolkitError("the notebook's kpis.json differs from the package's: "
                                  "the audit notebook must not compute figures of its own")
        missing = [name for name in OUTPUTS if not (work / name).is_file()]
        if missing:
            raise CacToolkitError(f"the audit did not produce {', '.join(missing)}")
        shutil.rmtree(work / CHECKED, ignore_errors=True)  # not an output
        # A signal that came before this point stops the run with the earlier output in
        # place (even one whose exception a library swallowed); one that comes during the
        # swap is only recorded, and reported once the new output is in place.
        with state.deferred():
            state.check()
            _stage("publish")
            _publish(work, out_dir)
            # A diagnosis left by an earlier failed run no longer describes this output.
            failed = out_dir.with_name(out_dir.name + ".failed")
            if _own_folder(failed):
                shutil.rmtree(failed, ignore_errors=True)
            _stage("published")
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    if state.received is not None:  # came during the swap: the new output is in place
        raise Interrupted(state.received, published=True)
    _say(f"done: {printable(shown)}", progress)
    return AuditResult(out_dir, json.loads((out_dir / "kpis.json").read_text(encoding="utf-8")))


def _digest(pieces: Iterable[str]) -> str:
    """SHA-256 of a text given in pieces, as UTF-8 (the KPI file, never held whole)."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece.encode("utf-8"))
    return digest.hexdigest()


def _changed_error(names: list[str]) -> CacToolkitError:
    return CacToolkitError(f"{', '.join(names)} changed while the audit was running; run the "
                           "audit again once the file is complete")
