"""Issue 13: never destroy a user's file, never a traceback.

Output-folder safety, operating-system failures, hostile paths and parameters, provenance of
the bytes parsed, safe messages and clean interruption. Each case asserts its outcome and
that the input files kept their bytes. Runs that need a notebook use a small one (built here
with nbformat) that computes the KPI file and the workbook with the package, so a kernel
starts but no report is drawn; interruptions are placed with the runner's ``_stage`` seam or
sent by the notebook itself, never by timing.
"""

from __future__ import annotations

import errno
import hashlib
import html
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cac_toolkit import cli, runner  # noqa: E402
from cac_toolkit.audit.params import AuditParameters  # noqa: E402
from cac_toolkit.core.errors import CacToolkitError, ParameterError, printable  # noqa: E402
from cac_toolkit.core.interrupts import Interrupted  # noqa: E402
from cac_toolkit.core.outputs import MARKER, MARKER_TEXT, remove_stale, resolved  # noqa: E402
from cac_toolkit.core.resources import data_path  # noqa: E402
from cac_toolkit.data import loading  # noqa: E402
from cac_toolkit.render import plots  # noqa: E402

PERIOD = ["-p", "period_start", "2026-01-01", "-p", "period_end", "2026-03-31"]
PARAMS = AuditParameters(period_start="2026-01-01", period_end="2026-03-31")

SMALL_NOTEBOOK = """
from pathlib import Path
from cac_toolkit.audit import kpis as kpi_file
from cac_toolkit.data import loading
from cac_toolkit.render import report
from cac_toolkit.render.workbook import write_workbook
params = report.audit_parameters(globals())
data = loading.load_folder(Path(data_dir))
kpis = kpi_file.compute_kpis(data, params)
Path(kpis_out).write_text(kpi_file.kpis_to_json(kpis), encoding="utf-8")
write_workbook(workbook_out, data, params, kpis)
"""
PARAMETER_NAMES = ("data_dir", "period_start", "period_end", "gross_margin", "lifetime_months",
                   "monthly_churn", "allocation_key", "attribution_model", "lang", "currency",
                   "sector", "half_life_days", "markov_order", "kpis_out", "workbook_out",
                   "run_date")


def small_notebook(folder: Path, before: str = "", after: str = "") -> Path:
    """A notebook writing kpis.json and workbook.xlsx; ``before``/``after`` are extra cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("\n".join(f"{n} = None" for n in PARAMETER_NAMES))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(code) for code in
                           (before, SMALL_NOTEBOOK, after) if code]
    path = folder / "small.ipynb"
    nbformat.write(nb, path)
    return path


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def client(tmp_path: Path) -> Path:
    folder = tmp_path / "client"
    shutil.copytree(data_path("saas_quarter"), folder)
    return folder


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """An earlier audit's output folder (marked), holding a recognisable kpis.json."""
    out = tmp_path / "audit"
    out.mkdir()
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    (out / "kpis.json").write_text("earlier results\n", encoding="utf-8")
    return out


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder for this test, to see what a run leaves there."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def one_error_line(err: str) -> str:
    """The one error line of ``err`` (warnings about the inputs, one line each, may precede)."""
    lines = [line for line in err.splitlines()
             if not line.startswith("cac-toolkit: warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("cac-toolkit: error: "), err
    assert "Traceback" not in err
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


# --------------------------------------------------------------------------- output folders


def test_an_output_folder_holding_user_files_is_refused_before_any_work(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.docx").write_bytes(b"my thesis")
    (out / "sub" / "y.txt").write_text("y", encoding="utf-8")
    before = digests(client)
    code, _, err = main(capsys, "audit", str(client), "--out", str(out), "--no-progress", *PERIOD)
    assert code == 2
    line = one_error_line(err)
    assert "is not empty and was not written by an audit" in line
    assert "sub, thesis.docx" in line and "--force" in line
    assert (out / "thesis.docx").read_bytes() == b"my thesis"
    assert (out / "sub" / "y.txt").read_text(encoding="utf-8") == "y"
    assert leftovers(tmp_path) == [] and digests(client) == before


def test_a_marked_folder_with_a_foreign_file_is_refused(
        client: Path, earlier: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (earlier / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), *PERIOD)
    assert code == 2
    assert "holds files that the audit did not write (notes.txt)" in one_error_line(err)
    assert (earlier / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("force", [False, True])
def test_a_regular_file_is_never_turned_into_a_folder(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], force: bool) -> None:
    target = tmp_path / "afile"
    target.write_text("precious", encoding="utf-8")
    code, _, err = main(capsys, "audit", str(client), "--out", str(target), *PERIOD,
                        *(["--force"] if force else []))
    assert code == 2
    assert "is a file, not a folder" in one_error_line(err)
    assert target.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "client"]


def test_help_and_readme_document_the_output_rules(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # argparse would wrap at the marker's hyphens
    code, out, _ = main(capsys, "audit", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--force" in text and ".cac-toolkit-audit" in text
    assert "A folder holding other files is refused" in text
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "--force" in readme and ".cac-toolkit-audit" in readme


def test_an_audit_into_the_target_of_a_linked_input_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(data_path("saas_quarter") / "spend.csv", real / "spend.csv")
    client = tmp_path / "client"
    client.mkdir()
    shutil.copy(data_path("saas_quarter") / "deals.csv", client / "deals.csv")
    (client / "spend.csv").symlink_to(real / "spend.csv")
    before = digests(real)
    for out in (real, tmp_path):  # the folder holding the target, one holding both
        code, _, err = main(capsys, "audit", str(client), "--out", str(out), "--force",
                            *PERIOD)
        assert code == 2, out
        assert "the output must not" in one_error_line(err)
        assert "(links followed)" in err
    assert digests(real) == before


def test_kpis_out_onto_a_linked_input_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(data_path("saas_quarter") / "spend.csv", real / "spend.csv")
    client = tmp_path / "client"
    client.mkdir()
    shutil.copy(data_path("saas_quarter") / "deals.csv", client / "deals.csv")
    (client / "spend.csv").symlink_to(real / "spend.csv")
    before = digests(real)
    for out in (real / "spend.csv", client / "spend.csv"):
        code, _, err = main(capsys, "kpis", str(client), "--out", str(out), *PERIOD)
        assert code == 2, out
        assert "the output must not be the input file" in one_error_line(err)
    assert digests(real) == before
    assert (client / "spend.csv").is_symlink()


@pytest.mark.parametrize("where", ["existing_folder", "input_folder", "input_parent"])
def test_kpis_out_onto_a_folder_is_one_line_and_leaves_no_tmp(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    out = {"existing_folder": tmp_path / "folder", "input_folder": client,
           "input_parent": tmp_path}[where]
    out.mkdir(exist_ok=True)
    before = digests(client)
    code, _, err = main(capsys, "kpis", str(client), "--out", str(out), *PERIOD)
    assert code == 2
    line = one_error_line(err)
    assert ("is a folder; give a file name" in line if where == "existing_folder"
            else "the output must not" in line)
    assert digests(client) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


@pytest.mark.parametrize("spelling", [".", "x/../here/./z/.."])
def test_dot_and_dotdot_are_resolved_before_any_work(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, spelling: str) -> None:
    here = tmp_path / "here"
    here.mkdir()
    (here / "keep.txt").write_text("k", encoding="utf-8")
    monkeypatch.chdir(here if spelling == "." else tmp_path)
    monkeypatch.setattr(runner, "_stage", _fail_if_reached)
    code, _, err = main(capsys, "audit", str(client), "--out", spelling, *PERIOD)
    assert code == 2
    assert "is not empty and was not written by an audit (it holds keep.txt)" in (
        one_error_line(err))
    assert resolved(Path(tmp_path) / "x/../here/./z/..") == here.resolve()


def _fail_if_reached(name: str) -> None:
    raise AssertionError(f"the run reached {name}: the output should be refused before")


def test_stale_folders_of_our_naming_are_removed_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    ours = [tmp_path / ".audit.tmp-abcd1234", tmp_path / ".audit.old-zz_9x0y1"]
    for folder in ours:
        folder.mkdir()
        (folder / MARKER).write_text(MARKER_TEXT + "pid 999999999\n", encoding="utf-8")
        (folder / "report.ipynb").write_text("{}", encoding="utf-8")
    alive = tmp_path / ".audit.tmp-live0000"
    alive.mkdir()
    (alive / MARKER).write_text(MARKER_TEXT + f"pid {os.getppid()}\n", encoding="utf-8")
    kept = [tmp_path / ".audit.tmp-mine", tmp_path / ".audit.tmp-abcdefgh",
            tmp_path / ".other.tmp-abcd1234", tmp_path / "audit.tmp-abcd1234"]
    for folder in kept:
        folder.mkdir()
        (folder / "x.txt").write_text("user", encoding="utf-8")
    (kept[1] / MARKER).write_text("something else\n", encoding="utf-8")
    removed = remove_stale(out)
    assert sorted(removed) == sorted(ours)
    assert all(not p.exists() for p in ours)
    assert alive.is_dir() and all((p / "x.txt").is_file() for p in kept)


def test_an_earlier_output_left_between_the_two_renames_is_put_back(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    old = tmp_path / ".audit.old-abcd1234"
    old.mkdir()
    (old / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    (old / "kpis.json").write_text("earlier results\n", encoding="utf-8")
    assert remove_stale(out) == [old]
    assert (out / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert not old.exists()


# --------------------------------------------------------------------------- OS failures


def test_an_input_folder_that_cannot_be_listed_is_one_line(
        client: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = Path.iterdir

    def refuse(self: Path):  # noqa: ANN202 - a generator like Path.iterdir
        if self == client:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    code, _, err = main(capsys, "kpis", str(client), *PERIOD)
    assert code == 2
    line = one_error_line(err)
    assert f"{client}: cannot be listed (PermissionError: Permission denied)" in line


@pytest.mark.parametrize("code_name", ["EROFS", "ENOSPC", "EACCES", "EBUSY"])
def test_kpis_out_failures_are_one_line_and_leave_nothing(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, code_name: str) -> None:
    number = getattr(errno, code_name)
    if code_name == "EROFS":  # the location refuses a new file
        def fail(*args: object, **kw: object) -> tuple[int, str]:
            raise OSError(number, os.strerror(number))
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif code_name == "ENOSPC":  # the disk fills while writing
        def fail_sync(fd: int) -> None:
            raise OSError(number, os.strerror(number))
        monkeypatch.setattr(os, "fsync", fail_sync)
    else:  # the final rename is refused
        def fail_replace(*args: object) -> None:
            raise OSError(number, os.strerror(number))
        monkeypatch.setattr(os, "replace", fail_replace)
    out = tmp_path / "out" / "k.json"
    code, _, err = main(capsys, "kpis", str(client), "--out", str(out), *PERIOD)
    assert code == 2
    line = one_error_line(err)
    assert f"cannot write {out}: {os.strerror(number)} ({code_name})" in line
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


def test_kpis_out_under_a_file_or_in_proc_is_one_line(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for out, reason in ((tmp_path / "afile" / "k.json", "(ENOTDIR)"),
                        (Path("/proc/k.json"), "cannot write /proc/k.json")):
        code, _, err = main(capsys, "kpis", str(client), "--out", str(out), *PERIOD)
        assert code == 2
        assert reason in one_error_line(err)
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"


def test_an_unwritable_output_location_is_one_line_before_any_work(
        client: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kw: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code, _, err = main(capsys, "audit", str(client), "--out", str(tmp_path / "a"),
                        "--no-progress", *PERIOD)
    assert code == 2
    assert "Read-only file system (EROFS); the file system is read-only" in one_error_line(err)


def test_a_full_disk_during_the_audit_keeps_the_earlier_output(
        client: Path, earlier: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def full(name: str) -> None:
        if name == "html":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC),
                          str(earlier.parent / ".audit.tmp-x" / "report.html"))

    monkeypatch.setattr(runner, "_stage", full)
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path))
    before = digests(client)
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), "--no-progress",
                        *PERIOD)
    assert code == 2
    assert "No space left on device (ENOSPC); the disk is full" in one_error_line(err)
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert leftovers(tmp_path) == [] and digests(client) == before


def test_a_folder_name_that_is_not_utf8_audits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = Path(os.fsdecode(bytes(tmp_path) + b"/client-\xff"))
    shutil.copytree(data_path("saas_quarter"), client)
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path))
    before = digests(client)
    out = tmp_path / "out"
    code, stdout, err = main(capsys, "audit", str(client), "--out", str(out), "--no-progress",
                             *PERIOD)
    assert code == 0, err
    assert json.loads((out / "kpis.json").read_text(encoding="utf-8"))["cac"]["global"]
    assert digests(client) == before
    # ...and an error naming such a folder shows the byte escaped, on one line
    code, _, err = main(capsys, "kpis", str(client) + "-missing", *PERIOD)
    assert code == 2 and "client-\\xff-missing" in one_error_line(err)
    code, _, err = main(capsys, "audit", str(client), "--out", str(tmp_path / "o-\udcfe"),
                        *PERIOD)
    assert code == 2 and "o-\\xfe: the output path is not valid UTF-8" in one_error_line(err)


# --------------------------------------------------------------------------- messages


def test_control_characters_in_paths_are_escaped_on_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "evil\x1b[31m\nname\u2028"
    folder.mkdir()
    code, _, err = main(capsys, "kpis", str(folder), *PERIOD)
    assert code == 2
    line = one_error_line(err)
    assert "\x1b" not in err and "evil\\x1b[31m\\nname\\u2028" in line
    assert printable("a\x00b\x9bc\udcff") == "a\\x00b\\x9bc\\xff"


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(("name", "typed", "expected"), [
    ("lifetime_months", "1e24", "a number of months > 0 and at most 1200"),
    ("lifetime_months", "0", "a number of months > 0 and at most 1200"),
    ("monthly_churn", "1e-25", "a monthly share between 0.001 and 1 (0.02 for 2 %)"),
    ("monthly_churn", "0,00001", "a monthly share between 0.001 and 1 (0.02 for 2 %)"),
    ("half_life_days", "1e-300", "a number of days between 0.01 and 3650"),
    ("period_start", "0001-01-01", "a date between 1990-01-01 and 2100-12-31"),
    ("period_end", "9999-12-31", "a date between 1990-01-01 and 2100-12-31"),
])
def test_parameters_at_their_limits_are_refused_quoting_the_value_typed(
        name: str, typed: str, expected: str) -> None:
    values = {"period_start": "2026-01-01", "period_end": "2026-03-31", name: typed}
    with pytest.raises(ParameterError) as info:
        AuditParameters.from_mapping(values)
    assert str(info.value) == f"parameter {name}: expected {expected}, got '{typed}'"


def test_the_largest_accepted_lifetime_gives_figures(client: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, "kpis", str(client), *PERIOD, "-p", "lifetime_months",
                          "1200", "-p", "gross_margin", "1")
    assert code == 0, err
    assert json.loads(out)["ltv"] == 240000.0  # 200 MRR x 1 x 1,200 months


# --------------------------------------------------------------------------- provenance


def test_each_input_is_read_once_and_hashed_from_the_bytes_parsed(
        client: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference reader: each file read whole once, hashed and parsed from those bytes."""
    monkeypatch.setattr(loading, "ARROW_FAST_PATH", False)
    reads: list[str] = []
    read_bytes = Path.read_bytes
    real_open = open

    def counting_read_bytes(self: Path) -> bytes:
        reads.append(self.name)
        data = read_bytes(self)
        # a writer appends while we read: only the bytes read may be hashed and parsed
        with real_open(self, "ab") as handle:
            handle.write(b"2026-03-01,999999.00,marketing,SEO,appended\n")
        return data

    monkeypatch.setattr(Path, "read_bytes", counting_read_bytes)
    monkeypatch.setattr(loading, "open", lambda *a, **k: pytest.fail("second read"),
                        raising=False)
    originals = {p.name: read_bytes(p) for p in client.iterdir()}
    data = loading.load_folder(client)
    assert sorted(reads) == ["deals.csv", "spend.csv"]
    for name, info in data.files.items():
        assert info.sha256 == hashlib.sha256(originals[info.path.name]).hexdigest(), name
    assert data.spend["amount"].max() < 999999


def test_the_streamed_reader_opens_each_input_once_and_hashes_the_bytes_it_parses(
        client: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Arrow fast path reads a file in chunks from one open handle and hashes the chunks
    as they come: a writer appending between two reads changes nothing but what was read,
    and the hash always describes exactly the bytes behind the figures."""
    real_open = open
    opened: list[str] = []
    returned: dict[str, bytearray] = {}

    class AppendedWhileRead(io.BufferedReader):
        """A handle on spend.csv grows the file by one line after its first read."""

        def _record(self, chunk: bytes) -> None:
            got = returned.setdefault(Path(self.name).name, bytearray())
            if not got and Path(self.name).name == "spend.csv":
                with real_open(self.name, "ab") as writer:
                    writer.write(b"01/03/2026;999 999,00;marketing;SEO;appended\n")
            got.extend(chunk)

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            self._record(chunk)
            return chunk

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            count = super().readinto(buffer)
            self._record(bytes(memoryview(buffer)[:count or 0]))
            return count

    def counting_open(path: object, mode: str = "r", *args: object, **kwargs: object):
        assert mode == "rb", mode
        opened.append(Path(str(path)).name)
        return AppendedWhileRead(io.FileIO(str(path), "rb"))

    monkeypatch.setattr(loading, "open", counting_open, raising=False)
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: pytest.fail(f"{self.name} read a second time"))
    data = loading.load_folder(client)
    assert sorted(opened) == ["deals.csv", "spend.csv"]
    for info in data.files.values():
        assert info.sha256 == hashlib.sha256(bytes(returned[info.path.name])).hexdigest()
    appended_read = b"appended" in returned["spend.csv"]
    assert (data.spend["amount"].max() == 999999) == appended_read


def test_a_file_changed_during_the_audit_is_reported_as_such(
        client: Path, earlier: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    grow = (f"with open({str(client / 'spend.csv')!r}, 'a', encoding='utf-8') as f:\n"
            "    f.write('01/03/2026;10,00;marketing;SEO;late line\\n')")
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path, after=grow))
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), "--no-progress",
                        *PERIOD)
    assert code == 2
    assert one_error_line(err) == ("cac-toolkit: error: spend.csv changed while the audit was "
                                   "running; run the audit again once the file is complete")
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- signals


def _send(sig: int, at: str, *, swallow: bool = False):  # noqa: ANN202 - a stage hook
    def hook(name: str) -> None:
        if name == at:
            try:
                os.kill(os.getpid(), sig)
            except KeyboardInterrupt:
                if not swallow:
                    raise
    return hook


@pytest.mark.parametrize(("sig", "at"), [
    (signal.SIGTERM, "inputs"), (signal.SIGHUP, "notebook"), (signal.SIGINT, "html"),
    (signal.SIGTERM, "html")])
def test_a_signal_before_the_publish_keeps_the_earlier_output(
        client: Path, earlier: Path, tmp_path: Path, private_tmp: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sig: int, at: str
) -> None:
    monkeypatch.setattr(runner, "_stage", _send(sig, at))
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path))
    before = digests(client)
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), "--no-progress",
                        *PERIOD)
    assert code == 128 + sig
    assert err.splitlines()[-1] == (f"cac-toolkit: interrupted ({signal.Signals(sig).name}); "
                                    "earlier outputs are untouched")
    assert sorted(p.name for p in earlier.iterdir()) == [MARKER, "kpis.json"]
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert leftovers(tmp_path) == [] and list(private_tmp.iterdir()) == []
    assert digests(client) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_notebook_stops_it_and_removes_the_kernel_files(
        client: Path, earlier: Path, tmp_path: Path, private_tmp: Path, sig: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    kill = (f"import os, time\nos.kill(os.getppid(), {int(sig)})\ntime.sleep(120)")
    with pytest.raises(Interrupted) as info:
        runner.run_audit(client, earlier, PARAMS, progress=False,
                         notebook=small_notebook(tmp_path, before=kill))
    assert info.value.exit_code == 128 + sig and not info.value.published
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert leftovers(tmp_path) == []
    assert list(private_tmp.iterdir()) == []  # the kernel's connection file went with it


def test_a_swallowed_ctrl_c_still_stops_the_run(
        client: Path, earlier: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The KeyboardInterrupt lands where a library swallows it (a finaliser, a callback):
    # the run must not go on to publish.
    monkeypatch.setattr(runner, "_stage", _send(signal.SIGINT, "html", swallow=True))
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path))
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), "--no-progress",
                        *PERIOD)
    assert code == 130, err
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    assert leftovers(tmp_path) == []


LEFT_BEHIND = """
import asyncio, os, signal, sys
from cac_toolkit import cli, runner


def stage(name):
    if name == "inputs":
        loop = asyncio.new_event_loop()

        async def kernel_died():
            raise RuntimeError("a kernel that died")

        async def never_awaited():
            pass

        task = loop.create_task(kernel_died())
        loop.run_until_complete(asyncio.wait([task]))
        loop.close()
        held = [task, never_awaited()]
        held.append(held)  # a reference cycle, as a notebook client's
        os.kill(os.getpid(), signal.SIGTERM)


runner._stage = stage
cli.main(sys.argv[1:])
"""


def test_nothing_is_printed_after_the_interruption_line(client: Path, earlier: Path) -> None:
    # What the interrupted libraries leave half done (a task whose exception nobody retrieved,
    # a coroutine never awaited, in a cycle that the traceback holds) used to be collected at
    # exit and print its warnings below the line, by chance of the garbage collector.
    result = subprocess.run([sys.executable, "-c", LEFT_BEHIND, "audit", str(client), "--out",
                             str(earlier), "--no-progress", *PERIOD],
                            capture_output=True, text=True)
    assert result.returncode == 143, result.stderr
    assert [line for line in result.stderr.splitlines()
            if not line.startswith("cac-toolkit: warning: ")] == [
        "cac-toolkit: interrupted (SIGTERM); earlier outputs are untouched"], result.stderr
    assert (earlier / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"


@pytest.mark.parametrize("at", ["publish", "published"])
def test_a_signal_during_the_publish_completes_it_then_says_so(
        client: Path, earlier: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, at: str) -> None:
    monkeypatch.setattr(runner, "_stage", _send(signal.SIGTERM, at))
    monkeypatch.setattr(runner, "audit_notebook", lambda: small_notebook(tmp_path))
    code, _, err = main(capsys, "audit", str(client), "--out", str(earlier), "--no-progress",
                        *PERIOD)
    assert code == 143
    assert err.splitlines()[-1] == ("cac-toolkit: interrupted (SIGTERM); the new output had "
                                    "already been written")
    assert json.loads((earlier / "kpis.json").read_text(encoding="utf-8"))["cac"]
    assert sorted(p.name for p in earlier.iterdir()) == sorted([MARKER, *runner.OUTPUTS])
    assert leftovers(tmp_path) == []


def test_an_error_in_the_notebook_keeps_its_diagnosis_only_in_our_own_folder(
        client: Path, tmp_path: Path) -> None:
    user = tmp_path / "out.failed"
    user.mkdir()
    (user / "mine.txt").write_text("user", encoding="utf-8")
    with pytest.raises(CacToolkitError, match="partly executed notebook not kept: .* is not "
                       "the audit's"):
        runner.run_audit(client, tmp_path / "out", PARAMS, progress=False,
                         notebook=small_notebook(tmp_path, after="raise ValueError('boom')"))
    assert (user / "mine.txt").read_text(encoding="utf-8") == "user"


# --------------------------------------------------------------------------- text in charts

HOSTILE_NAMES = {"SEO": "Partners $$ x_1^2 \\alpha", "Ads": "Events $5 & $10",
                 "Outbound": "a$_$b $\\x$ c^d"}


def _all_texts_literal(fig: Figure) -> list[str]:
    """Draw ``fig`` and return its texts as matplotlib shows them, failing on any mathtext."""
    fig.savefig(io.BytesIO(), format="png")
    shown = []
    for text in fig.findobj(Text):
        value, is_math = text._preprocess_math(text.get_text())
        assert not is_math, text.get_text()
        shown.append(value)
    return shown


def test_chart_labels_are_literal_text() -> None:
    channels = {name: {"spend_direct": 1000.0 + i, "new_customers": 2 + i,
                       "cac_direct": 500.0 + i, "shared_allocated": 100.0,
                       "cac_fully_loaded": 550.0 + i, "budget_share": 0.3,
                       "revenue_share": 0.3} for i, name in enumerate(HOSTILE_NAMES.values())}
    for fig in (plots.cac_by_channel(channels, currency="USD", cac_global=600.0),
                plots.budget_vs_revenue(channels),
                plots.attribution_models(pd.DataFrame(
                    {"deal": [1.0, 2.0, 3.0], "linear": [2.0, 2.0, 2.0]},
                    index=pd.Index(list(HOSTILE_NAMES.values()), name="channel")))):
        shown = _all_texts_literal(fig)
        for name in HOSTILE_NAMES.values():
            assert name in shown, (name, shown)
        plt.close(fig)


def test_an_audit_of_channels_named_with_dollars_underscores_and_backslashes(
        tmp_path: Path) -> None:
    client = tmp_path / "client"
    client.mkdir()
    for name in ("spend.csv", "deals.csv"):
        text = (data_path("saas_quarter") / name).read_text(encoding="utf-8")
        for old, new in HOSTILE_NAMES.items():
            text = text.replace(f";{old};", f";{new};")
        (client / name).write_text(text, encoding="utf-8")
    before = digests(client)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("replaced with --force", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cac_toolkit.cli", "audit", str(client), "--out", str(out),
         "--no-progress", "--force", *PERIOD], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert sorted(kpis["channels"]) == sorted(HOSTILE_NAMES.values())
    page = (out / "report.html").read_text(encoding="utf-8")
    for name in HOSTILE_NAMES.values():
        assert html.escape(name, quote=False) in page, name
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *runner.OUTPUTS])
    assert digests(client) == before


def test_the_kernel_connection_file_is_written_in_the_private_folder() -> None:
    """jupyter_client names an unnamed connection file with tempfile.mkstemp: during a run it
    lands in the audit's private kernel folder, which goes whatever happens (an interruption
    between the file's writing and the kernel's start included)."""
    import tempfile

    from jupyter_client.connect import write_connection_file

    before = tempfile.tempdir
    with runner._kernel_runtime_dir() as folder:
        name, _ = write_connection_file()
        assert Path(name).parent == folder
    assert not folder.exists() and tempfile.tempdir == before
