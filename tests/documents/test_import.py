from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qualitas.core.audit.models import AuditEvent
from qualitas.documents.models import Document
from qualitas.documents.setup import ensure_document_types

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def folder(tmp_path, db):
    from qualitas.demo import load_organisation

    load_organisation()
    ensure_document_types()
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "welding.pdf").write_bytes(PDF)
    (tmp_path / "files" / "notes.txt").write_text("Grinding wheel inspection before use")
    return tmp_path


def write_csv(folder, rows):
    header = "file,number,title,type,revision,owner,effective_date,keywords\n"
    (folder / "meta.csv").write_text(header + "".join(rows))
    return str(folder / "meta.csv")


def run(folder, *extra):
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "documents",
            "import",
            str(folder / "files"),
            "--metadata",
            str(folder / "meta.csv"),
            *extra,
            stdout=out,
            stderr=err,
        )
        return 0, out.getvalue(), err.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()


def test_dry_run_reports_problems_and_writes_nothing(folder):
    write_csv(
        folder,
        [
            "welding.pdf,WI-OLD-1,Welding,WI,C,quality,2024-05-01,weld\n",
            "missing.pdf,WI-OLD-2,Missing,WI,A,quality,2024-05-01,\n",
            "notes.txt,WI-OLD-3,Notes,NOPE,A,ghost,01/05/2024,\n",
        ],
    )
    before = AuditEvent.objects.count()
    code, _, err = run(folder, "--dry-run")
    assert code == 2
    assert "line 3: file 'missing.pdf' not found" in err and "unknown document type 'NOPE'" in err
    assert "unknown or inactive owner 'ghost'" in err and "is not YYYY-MM-DD" in err
    assert not Document.objects.filter(number__startswith="WI-OLD").exists() and AuditEvent.objects.count() == before


def test_import_creates_effective_documents_with_the_importer_recorded(folder):
    write_csv(
        folder,
        [
            "welding.pdf,WI-OLD-1,Welding,WI,C,quality,2024-05-01,weld\n",
            "notes.txt,WI-OLD-2,Grinding,WI,B,author,2025-01-15,grinding\n",
        ],
    )
    assert run(folder, "--dry-run")[0] == 0
    assert not Document.objects.filter(number="WI-OLD-1").exists()
    code, out, _ = run(folder, "--as", "controller")
    assert code == 0 and "imported 2 document(s)" in out
    revision = Document.objects.get(number="WI-OLD-2").revisions.get()
    assert (revision.status, revision.label, revision.imported) == ("effective", "B", True)
    assert "Grinding wheel" in revision.extracted_text
    events = AuditEvent.objects.filter(event="documents.document_imported")
    assert {e.source for e in events} == {"import"} and {e.actor_name for e in events} == {"Dana Cole"}


def test_missing_folder_is_exit_2(folder):
    with pytest.raises(CommandError) as excinfo:
        call_command("documents", "import", str(folder / "nope"), "--metadata", str(folder / "meta.csv"))
    assert excinfo.value.returncode == 2
