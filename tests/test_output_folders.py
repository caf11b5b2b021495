"""Issue 13 for every command that writes a folder: ``prepare --out``, ``sample`` and
``audit-batch --out`` follow the rules of ``audit --out`` (``cac_toolkit.core.outputs``).

The folder must be absent, empty or one the same command wrote (its marker file), else it is
refused naming what is in the way unless ``--force``; a file is never turned into a folder;
the output, with ``.``, ``..`` and links resolved, may not be, contain or sit inside an input;
stale ``.OUT.tmp-*`` folders of an interrupted run are removed by the next run. Each case
checks its outcome and that the inputs kept their bytes.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from cac_toolkit import cli
from cac_toolkit.batch import Client, batch_outputs
from cac_toolkit.core.outputs import marker_name, marker_text
from cac_toolkit.data.sources import folder as sources_folder

RAW = Path(__file__).resolve().parent / "raw_exports" / "client"


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (links followed), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("cac-toolkit: warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("cac-toolkit: error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    shutil.copytree(RAW, folder)
    return folder


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals are decided before any input is read: reading one fails the test."""
    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("prepare read the inputs before judging its output folder")
    monkeypatch.setattr(sources_folder, "read_folder", fail)


# --------------------------------------------------------------------------- prepare --out


def test_prepare_writes_its_marker_and_rewrites_its_own_folder(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prepared"
    before = digests(raw)
    for _ in range(2):  # the second run replaces the first's folder
        code, stdout, err = main(capsys, "prepare", str(raw), "--out", str(out))
        assert code == 0, err
    assert (out / marker_name("prepare")).read_text(encoding="utf-8") == marker_text("prepare")
    assert sorted(p.name for p in out.iterdir()) == [
        ".cac-toolkit-prepare", "deals.csv", "leads.csv", "mapping-report.json",
        "mapping-report.md", "spend.csv"]
    assert str(out / "spend.csv") in stdout.splitlines()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert digests(raw) == before


@pytest.mark.usefixtures("no_reading")
def test_prepare_refuses_a_folder_of_user_files_before_any_work(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.docx").write_bytes(b"my thesis")
    (out / "sub" / "y.txt").write_text("y", encoding="utf-8")
    mine, before = digests(out), digests(raw)
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(out))
    assert code == 2
    line = one_error_line(err)
    assert "is not empty and was not written by cac-toolkit prepare" in line
    assert "sub, thesis.docx" in line and "--force" in line
    assert digests(out) == mine and digests(raw) == before


@pytest.mark.usefixtures("no_reading")
def test_prepare_refuses_its_own_folder_holding_a_user_file(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a folder holding mapping-report.json was replaced whole, user files with it.
    out = tmp_path / "prepared"
    out.mkdir()
    (out / marker_name("prepare")).write_text(marker_text("prepare"), encoding="utf-8")
    (out / "mapping-report.json").write_text("{}", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(out))
    assert code == 2
    assert "holds files that cac-toolkit prepare did not write (notes.txt)" in (
        one_error_line(err))
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_prepare_force_replaces_a_foreign_folder_but_never_a_file(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    before = digests(raw)
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(out), "--force")
    assert code == 0, err
    assert not (out / "old.txt").exists() and (out / "spend.csv").is_file()
    afile = tmp_path / "afile"
    afile.write_text("precious", encoding="utf-8")
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(afile), "--force")
    assert code == 2 and "is a file, not a folder" in one_error_line(err)
    assert afile.read_text(encoding="utf-8") == "precious"
    assert digests(raw) == before


@pytest.mark.usefixtures("no_reading")
@pytest.mark.parametrize("where", ["raw", "inside", "parent", "dotdot", "link_target"])
def test_prepare_never_writes_over_or_into_its_inputs(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(raw / "payroll-sales-team.csv", elsewhere / "payroll-sales-team.csv")
    (raw / "payroll-sales-team.csv").symlink_to(elsewhere / "payroll-sales-team.csv")
    monkeypatch.chdir(tmp_path)
    out = {"raw": str(raw), "inside": str(raw / "out"), "parent": str(tmp_path),
           "dotdot": "x/../raw/./z/..", "link_target": str(elsewhere)}[where]
    before, linked = digests(raw), digests(elsewhere)
    code, _, err = main(capsys, "prepare", str(raw), "--out", out, "--force")
    assert code == 2
    line = one_error_line(err)
    assert "the output must not" in line and "(links followed)" in line
    assert digests(raw) == before and digests(elsewhere) == linked
    assert (raw / "payroll-sales-team.csv").is_symlink()


def test_prepare_removes_what_an_interrupted_run_left_and_nothing_else(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / ".prepared.tmp-abcd1234"
    stale.mkdir()
    (stale / marker_name("prepare")).write_text(marker_text("prepare") + "pid 999999999\n",
                                                encoding="utf-8")
    (stale / "spend.csv").write_text("half\n", encoding="utf-8")
    kept = tmp_path / ".prepared.tmp-usermade"
    kept.mkdir()
    (kept / "x.txt").write_text("user", encoding="utf-8")
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(tmp_path / "prepared"))
    assert code == 0, err
    assert not stale.exists() and (kept / "x.txt").read_text(encoding="utf-8") == "user"


def test_a_failure_while_writing_keeps_the_earlier_output_and_is_one_line(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "prepared"
    assert main(capsys, "prepare", str(raw), "--out", str(out))[0] == 0
    earlier = digests(out)

    def full_disk(*_args: object, **_kwargs: object) -> list[str]:
        raise OSError(28, "No space left on device", str(out / "spend.csv"))
    monkeypatch.setattr(sources_folder, "_write_prepared", full_disk)
    code, _, err = main(capsys, "prepare", str(raw), "--out", str(out))
    assert code == 2
    assert "No space left on device (ENOSPC); the disk is full" in one_error_line(err)
    assert digests(out) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prepared", "raw"]


# --------------------------------------------------------------------------- sample


def test_sample_refuses_a_folder_of_user_files_and_rewrites_its_own(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "spend.csv").write_text("my own spend\n", encoding="utf-8")
    code, _, err = main(capsys, "sample", str(mine), "--scale", "0.05")
    assert code == 2
    assert "was not written by cac-toolkit sample (it holds spend.csv)" in one_error_line(err)
    assert (mine / "spend.csv").read_text(encoding="utf-8") == "my own spend\n"
    out = tmp_path / "sample"
    for _ in range(2):
        code, stdout, err = main(capsys, "sample", str(out), "--scale", "0.05")
        assert code == 0, err
    assert (out / marker_name("sample")).is_file() and str(out / "deals.csv") in stdout
    afile = tmp_path / "afile"
    afile.write_text("precious", encoding="utf-8")
    code, _, err = main(capsys, "sample", str(afile), "--force")
    assert code == 2 and "is a file, not a folder" in one_error_line(err)


# --------------------------------------------------------------------------- audit-batch


def test_audit_batch_refuses_user_files_and_an_output_inside_a_client(
        raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clients = tmp_path / "clients.yaml"
    clients.write_text(f"clients:\n  - {{name: acme, folder: {raw}}}\n", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.csv").write_text("my summary\n", encoding="utf-8")
    before = digests(raw)
    code, _, err = main(capsys, "audit-batch", str(clients), "--out", str(mine))
    assert code == 2
    assert "was not written by cac-toolkit audit-batch (it holds summary.csv)" in (
        one_error_line(err))
    assert (mine / "summary.csv").read_text(encoding="utf-8") == "my summary\n"
    code, _, err = main(capsys, "audit-batch", str(clients), "--out", str(raw / "batch"))
    assert code == 2 and "the output must not be inside the input folder" in one_error_line(err)
    assert not (raw / "batch").exists() and digests(raw) == before


def test_audit_batch_accepts_its_own_folder_with_what_a_client_run_left(tmp_path: Path) -> None:
    clients = [Client("acme", tmp_path, {})]
    entries = [".acme.tmp-abcd1234", ".acme.tmp-mine", "acme", "acme.failed", "notes.txt"]
    own = batch_outputs(clients, entries)
    assert [e for e in entries if e not in own] == [".acme.tmp-mine", "notes.txt"]
