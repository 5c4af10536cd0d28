"""`qualitas training matrix` prints what the API returns; `qualitas training import` checks every row
first and imports all or nothing; bad input is exit code 2 with one line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qualitas.core.testing import assert_audited
from qualitas.training import generation, services
from qualitas.training.models import Assignment, TrainingRecord
from tests.conftest import bearer
from tests.training.conftest import course, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(people, operator_position, today):
    safety = course(people, "C-SAFETY", validity_months=12)
    forklift = course(people, "Q-FORK", kind="qualification", method="qualification", validity_months=36)
    for requirement in (safety, forklift):
        services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                                target=operator_position)
    for username in ("op1", "op2"):
        services.holding_start(actor=people["quality"], person=people[username], position=operator_position,
                               start_date=today - days(100))
    services.training_record(actor=people["quality"], person=people["op1"], requirement=safety,
                             completed_on=today - days(60))
    return {"safety": safety, "forklift": forklift}


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("training", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_matrix_command_prints_what_the_api_returns(setup, people, client):
    code, out, _ = run("matrix", "--format", "json")
    assert code == 0
    printed = json.loads(out)
    api = client.get("/api/v1/training/matrix", **bearer(people["admin"])).json()
    assert printed == api
    op1 = next(p for p in printed["people"] if p["name"] == "Olga Operator")
    statuses = {c["requirement"]: c["status"] for c in printed["cells"] if c["person"] == op1["id"]}
    assert statuses == {setup["safety"].pk: "current", setup["forklift"].pk: "overdue"}


def test_the_matrix_command_writes_csv_and_filters_by_site(setup, people):
    code, out, _ = run("matrix", "--format", "csv", "--site", "SPR")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    olga = {row["requirement"]: row["status"] for row in rows if row["person"] == "Olga Operator"}
    assert olga == {"C-SAFETY": "current", "Q-FORK": "overdue"}
    assert {row["status"] for row in rows} <= {"current", "due", "overdue", "expired", "in-progress", "not-required"}
    code, out, _ = run("matrix", "--site", "RVD", "--format", "json")
    assert code == 0 and "Olga Operator" not in out


def test_an_unknown_site_is_exit_code_2_with_one_line(setup):
    with pytest.raises(CommandError, match="no site 'NOPE'") as refused:
        run("matrix", "--site", "NOPE")
    assert refused.value.returncode == 2


def write(tmp_path, rows, name="history.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", "requirement", "completed", "expiry", "evidence"])
        writer.writerows(rows)
    return str(path)


def test_import_checks_every_row_and_imports_nothing_when_one_is_wrong(setup, people, tmp_path, today):
    path = write(tmp_path, [
        ["op2", "Q-FORK", (today - days(30)).isoformat(), "", "forklift-op2.pdf"],
        ["ghost", "Q-FORK", "2025-01-01", "", ""],
        ["op1", "NOPE", "01/02/2025", "", ""],
        ["op1", "Q-FORK", (today + days(3)).isoformat(), "", ""],
    ])
    code, out, err = run("import", path, "--as", "quality")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "unknown or inactive person 'ghost'" in err and "unknown requirement 'NOPE'" in err
    assert "is not YYYY-MM-DD" in err and "completed is in the future" in err and "line 5" in err
    assert not TrainingRecord.objects.filter(requirement=setup["forklift"]).exists()


def test_a_dry_run_writes_nothing_and_the_import_completes_assignments(setup, people, tmp_path, today):
    done = today - days(30)
    path = write(tmp_path, [
        ["op2", "Q-FORK", done.isoformat(), "", "forklift-op2.pdf"],
        ["OP1", "q-fork", (today - days(40)).isoformat(),
         (today + days(300)).isoformat(), ""],
    ])
    code, out, _ = run("import", path, "--as", "quality", "--dry-run")
    assert (code, out.strip()) == (0, "dry run: 2 row(s) are valid; nothing was written")
    assert not TrainingRecord.objects.filter(requirement=setup["forklift"]).exists()

    code, out, _ = run("import", path, "--as", "quality")
    assert (code, out.strip()) == (0, "imported 2 training record(s)")
    record = TrainingRecord.objects.get(person=people["op2"], requirement=setup["forklift"])
    assert (record.source, record.evidence, record.expires_on, record.recorded_by) == (
        "import", "forklift-op2.pdf", generation.add_months(done, 36), people["quality"])
    assert Assignment.objects.get(person=people["op2"], requirement=setup["forklift"]).status == "completed"
    assert TrainingRecord.objects.get(person=people["op1"], requirement=setup["forklift"]).expires_on == \
        today + days(300)
    assert_audited("training.record_imported", record, actor=people["quality"])
    code, _, err = run("import", path, "--as", "quality")  # the same file again: refused, nothing doubled
    assert code == 2 and "exists already" in err
    assert TrainingRecord.objects.filter(requirement=setup["forklift"]).count() == 2


def test_import_reads_xlsx(setup, people, tmp_path, today):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Person", "Requirement", "Completed", "Expiry", "Evidence", "Level"])
    sheet.append(["op2", "C-SAFETY", today - days(10), None, "sheet-17", 2])
    path = tmp_path / "history.xlsx"
    workbook.save(path)
    code, out, _ = run("import", str(path), "--as", "quality")
    assert code == 0, out
    assert TrainingRecord.objects.get(person=people["op2"], requirement=setup["safety"]).level == 2


def test_import_refuses_a_missing_file_a_wrong_kind_and_missing_columns(setup, tmp_path):
    with pytest.raises(CommandError, match="not found") as refused:
        run("import", str(tmp_path / "none.csv"), "--as", "quality")
    assert refused.value.returncode == 2
    (tmp_path / "notes.txt").write_text("person,requirement\n")
    with pytest.raises(CommandError, match="import a .csv or .xlsx file") as refused:
        run("import", str(tmp_path / "notes.txt"), "--as", "quality")
    assert refused.value.returncode == 2
    (tmp_path / "short.csv").write_text("person,requirement\nop1,C-SAFETY\n")
    with pytest.raises(CommandError, match="lacks the column") as refused:
        run("import", str(tmp_path / "short.csv"), "--as", "quality")
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="not a readable XLSX"):
        run("import", str(tmp_path / "bad.xlsx"), "--as", "quality")


def test_import_needs_a_training_administrator(setup, tmp_path, today):
    path = write(tmp_path, [["op2", "Q-FORK", (today - days(3)).isoformat(), "", ""]])
    with pytest.raises(CommandError, match="permission") as refused:
        run("import", path, "--as", "employee")
    assert refused.value.returncode == 2
    assert not TrainingRecord.objects.filter(requirement=setup["forklift"]).exists()
