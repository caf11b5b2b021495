"""Run the audit notebook on a client's folder and publish its four outputs atomically.

``run_audit`` checks the inputs in-process first (so a bad file fails in a second with the
one-line error), executes the audit notebook (package data: ``notebooks/audit.ipynb`` inside
the package) with papermill into a temporary folder beside the output, exports a code-free
offline HTML report, checks that the notebook's ``kpis.json`` equals the one computed
in-process, and only then moves the folder into place. A failure or an interruption leaves
any earlier output untouched; a failed run keeps its partly executed notebook in
``OUT_DIR.failed/`` for diagnosis.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.core.resources import audit_notebook, template_dir
from cac_toolkit.data.loading import load_folder

OUTPUTS = ("report.ipynb", "report.html", "kpis.json", "workbook.xlsx")


@dataclass(frozen=True)
class AuditResult:
    """Where the outputs are, and the KPIs they hold."""

    out_dir: Path
    kpis: dict

    @property
    def files(self) -> list[Path]:
        return [self.out_dir / name for name in OUTPUTS]


def notebook_parameters(data_dir: Path, params: AuditParameters, work: Path,
                        run_date: str) -> dict[str, object]:
    """The papermill parameters: the contract's names plus where to read and write.

    The outputs are named relative to ``work``, the kernel's working directory, so that the
    executed notebook records no temporary path and reruns stay byte-identical.
    """
    del work  # the kernel runs inside it (papermill's ``cwd``)
    values = params.as_dict()
    values.update({"data_dir": str(data_dir.resolve()), "kpis_out": "kpis.json",
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


def export_html(notebook: Path, target: Path) -> None:
    """Write the executed notebook as HTML without code, with no request to outside hosts."""
    import nbformat
    from nbconvert import HTMLExporter


    exporter = HTMLExporter(template_name="offline", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            extra_template_basedirs=[str(template_dir())])
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")


def _refuse_inside(out_dir: Path, data_dir: Path) -> None:
    out, data = out_dir.resolve(), data_dir.resolve()
    if out == data or data in out.parents or out in data.parents:
        raise CacToolkitError(f"{out_dir}: the output folder must not contain or be inside the "
                              f"input folder {data_dir}")


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


def _publish(work: Path, out_dir: Path) -> None:
    """Swap the finished folder into place: never a half-written ``out_dir``."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{work.name}")
        out_dir.rename(old)
        work.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        work.rename(out_dir)


def run_audit(data_dir: str | Path, out_dir: str | Path, params: AuditParameters | None = None,
              *, progress: bool = True, run_date: str | None = None,
              notebook: str | Path | None = None) -> AuditResult:
    """Audit ``data_dir`` into ``out_dir``: report.ipynb, report.html, kpis.json, workbook.xlsx."""
    import papermill

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    params = params or AuditParameters()
    _refuse_inside(out_dir, data_dir)
    _say(f"checking the inputs in {data_dir}", progress)
    expected = kpis_to_json(compute_kpis(load_folder(data_dir), params))
    run_date = run_date or dt.date.today().isoformat()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Absolute: the kernel runs inside ``work``, where a relative path would mean another place.
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent)).resolve()
    umask = os.umask(0)
    os.umask(umask)
    work.chmod(0o777 & ~umask)  # mkdtemp makes it private; the published folder should not be
    try:
        source = Path(notebook) if notebook else audit_notebook()
        _say("running the audit notebook", progress)
        try:
            papermill.execute_notebook(
                str(source), str(work / "report.ipynb"),
                parameters=notebook_parameters(data_dir, params, work, run_date),
                progress_bar=progress, cwd=str(work), kernel_name="python3", log_output=False)
        except papermill.PapermillExecutionError:
            failed = out_dir.with_name(out_dir.name + ".failed")
            shutil.rmtree(failed, ignore_errors=True)
            failed.mkdir()
            shutil.copy2(work / "report.ipynb", failed / "report.ipynb")
            raise CacToolkitError(f"{_notebook_error(work / 'report.ipynb')} (partly executed "
                                  f"notebook kept in {failed / 'report.ipynb'})") from None
        _say("writing the HTML report", progress)
        stabilise_notebook(work / "report.ipynb")
        export_html(work / "report.ipynb", work / "report.html")
        produced = (work / "kpis.json").read_text(encoding="utf-8")
        if produced != expected:
            raise CacToolkitError("the notebook's kpis.json differs from the package's: "
                                  "the audit notebook must not compute figures of its own")
        missing = [name for name in OUTPUTS if not (work / name).is_file()]
        if missing:
            raise CacToolkitError(f"the audit did not produce {', '.join(missing)}")
        _publish(work, out_dir)
        # A diagnosis left by an earlier failed run no longer describes this output.
        shutil.rmtree(out_dir.with_name(out_dir.name + ".failed"), ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    _say(f"done: {out_dir}", progress)
    return AuditResult(out_dir, json.loads(expected))
