"""Content search from the first hour (issue 11, part 1): a hit leads to the revision in force (or the
latest draft, marked as such), the "Active documents" filter holds, snippets are plain text with the
match highlighted safely, and results are labelled by module and record type, in the global search too.
Search looks in the current revisions (in force, in work) unless asked for history (issue 12)."""

from __future__ import annotations

import pytest

from qualitas.core.signatures import services as signing
from qualitas.core.testing import factories
from qualitas.core.workflow import engine
from qualitas.documents import search as fts
from qualitas.documents import selectors, services
from qualitas.documents.models import DocumentType, SearchEntry
from qualitas.documents.search_provider import detail, search_documents
from qualitas.documents.setup import ensure_document_types
from qualitas.web import selectors as web

pytestmark = pytest.mark.django_db
PASSWORD = "qualitas-demo"




def sign():
    return signing.Credentials(PASSWORD)


def new_document(people, title, content):
    ensure_document_types()
    return services.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title=title, content=content,
        reviewers=[people["reviewer"]], approvers=[people["approver"]],
    )


def issue(people, revision):
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return services.approve(actor=people["approver"], revision=revision, credentials=sign())


def revise(people, document, content):
    draft = services.revision_new(actor=people["author"], document=document, change_summary="Revised")
    services.revision_update(actor=people["author"], revision=draft, content=content)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def library(people):
    """A coolant SOP whose superseded revision mentions the refractometer far more often than the effective
    one, a grinding SOP where only the superseded revision mentions zirconia, a draft-only document and a
    withdrawn one."""
    coolant = new_document(
        people, "Coolant concentration check",
        "# Refractometer\n\nThe **refractometer** refractometer refractometer: refractometer readings.",
    )
    old_coolant = issue(people, coolant.revisions.get())
    new_coolant = issue(people, revise(
        people, coolant,
        "# Coolant check\n\n| Step | Tool |\n|---|---|\n| Read | the refractometer <b>daily</b> |\n"
        "\nSee [the manual](https://example.com/manual) and *log* it.",
    ))
    grinding = new_document(people, "Grinding wheels", "# Wheels\n\nZirconia wheels only.")
    old_grinding = issue(people, grinding.revisions.get())
    new_grinding = issue(people, revise(people, grinding, "# Wheels\n\nCeramic wheels only."))
    draft_only = new_document(people, "Refractometer calibration", "# Calibration\n\nZero the refractometer.")
    withdrawn = new_document(people, "Old refractometer log", "# Log\n\nThe refractometer log sheet.")
    withdrawn_revision = issue(people, withdrawn.revisions.get())
    engine.perform(actor=people["approver"], instance=withdrawn_revision, transition="make_obsolete",
                   reason="Replaced by the coolant check")
    return {"coolant": coolant, "old_coolant": old_coolant, "new_coolant": new_coolant, "grinding": grinding,
            "old_grinding": old_grinding, "new_grinding": new_grinding, "draft_only": draft_only,
            "withdrawn": withdrawn}


def by_number(hits):
    return {hit["document"].number: hit for hit in hits}


def test_a_hit_leads_to_the_effective_revision_even_when_a_superseded_one_ranks_higher(people, library):
    ranked = [revision_id for revision_id, _score, _snippet in fts.ranked_ids("refractometer")]
    # On its own, the archive ranks above the revision in force …
    assert ranked.index(library["old_coolant"].pk) < ranked.index(library["new_coolant"].pk)
    for history in (False, True):
        hits = by_number(selectors.search(people["quality"], "refractometer", history=history))
        coolant = hits[library["coolant"].number]
        assert coolant["revision"].pk == library["new_coolant"].pk  # … but the hit is the revision in force
        assert coolant["in_force"] and not coolant["found_elsewhere"], history


def test_words_only_in_a_superseded_revision_are_found_only_when_history_is_asked_for(people, library):
    assert library["grinding"].number not in by_number(selectors.search(people["quality"], "zirconia"))
    assert not [hit for hit in search_documents(people["quality"], "zirconia", 10) if "Grinding" in hit.title]
    hits = by_number(selectors.search(people["quality"], "zirconia", history=True))
    grinding = hits[library["grinding"].number]
    assert grinding["revision"].pk == library["new_grinding"].pk and grinding["in_force"]
    assert grinding["found_elsewhere"] and grinding["matched_revision"].pk == library["old_grinding"].pk
    assert "<mark>Zirconia</mark>" in str(grinding["snippet"])
    assert detail(grinding) == "Procedure (SOP) · rev 2 effective · found in rev 1 (superseded)"
    # The revision status filter searches that status, superseded ones included.
    superseded = by_number(selectors.search(people["quality"], "zirconia", status="superseded"))
    assert superseded[library["grinding"].number]["revision"].pk == library["old_grinding"].pk
    # An employee, who may not see the archive, finds nothing there.
    assert selectors.search(people["employee"], "zirconia", history=True) == []
    assert selectors.search(people["employee"], "zirconia", status="superseded") == []


def test_words_only_in_the_revision_in_work_are_found_by_default(people, library):
    draft = revise(people, library["grinding"], "# Wheels\n\nCeramic wheels, dressed with a diamond roller.")
    hit = by_number(selectors.search(people["quality"], "diamond"))[library["grinding"].number]
    assert hit["revision"].pk == library["new_grinding"].pk and hit["in_force"]  # the hit leads to what is in force
    assert hit["found_elsewhere"] and hit["matched_revision"].pk == draft.pk
    # An employee sees only the revision in force, which does not have the words.
    assert library["grinding"].number not in by_number(selectors.search(people["employee"], "diamond"))


def test_a_document_without_an_effective_revision_leads_to_its_latest_draft_marked_as_such(people, library):
    hits = by_number(selectors.search(people["quality"], "calibration"))
    draft = hits[library["draft_only"].number]
    assert draft["revision"].status == "draft" and not draft["in_force"]
    hit = next(h for h in search_documents(people["quality"], "calibration", 10) if "calibration" in h.title.lower())
    assert hit.detail == "Procedure (SOP) · rev 1 draft, not yet in force"
    assert hit.url.endswith(f"/revisions/{draft['revision'].pk}/")


def test_the_active_documents_filter_holds(people, library):
    active = by_number(selectors.search(people["quality"], "refractometer"))
    assert library["withdrawn"].number not in active
    assert library["coolant"].number in active and library["draft_only"].number in active
    withdrawn = by_number(selectors.search(people["quality"], "refractometer", status="withdrawn"))
    assert list(withdrawn) == [library["withdrawn"].number]
    assert withdrawn[library["withdrawn"].number]["revision"].status == "obsolete"
    effective = by_number(selectors.search(people["quality"], "refractometer", status="effective"))
    assert list(effective) == [library["coolant"].number]
    drafts = by_number(selectors.search(people["quality"], "refractometer", status="draft"))
    assert list(drafts) == [library["draft_only"].number]


def test_snippets_are_plain_text_with_the_match_highlighted_safely(people, library):
    hit = by_number(selectors.search(people["quality"], "refractometer"))[library["coolant"].number]
    html, text = str(hit["snippet"]), hit["snippet_text"]
    assert "<mark>refractometer</mark>" in html
    for markdown in ("#", "**", "|", "---", "](", "https://example.com"):
        assert markdown not in text, markdown
    assert "<b>" not in html  # raw HTML in the content is neither rendered nor shown as markup
    assert "refractometer" in text and "<mark>" not in text
    hostile = new_document(people, "Hostile", "# X\n\n`<script>alert(1)</script>` refractometer & co")
    issue(people, hostile.revisions.get())
    hit = by_number(selectors.search(people["quality"], "refractometer"))[hostile.number]
    assert "<script>" not in str(hit["snippet"]) and "&lt;script&gt;" in str(hit["snippet"])
    assert "&amp; co" in str(hit["snippet"])


def test_the_index_holds_plain_text(people, library):
    body = SearchEntry.objects.get(revision=library["new_coolant"]).body
    assert body.startswith("Coolant check Step Tool Read the refractometer daily")
    assert "|" not in body and "**" not in body and "https://" not in body


def test_excerpt_marks_stemmed_forms_the_database_matched():
    html, text = fts.excerpt("Check the hazard list before start.", fts.matched_terms("hazards", "\x02hazard\x03"))
    assert "<mark>hazard</mark>" in html and text == "Check the hazard list before start."


def test_documents_page_links_hits_to_the_effective_revision(people, library, client):
    client.force_login(people["quality"])
    page = client.get("/documents/", {"q": "refractometer", "fulltext": "1"}).content.decode()
    coolant = library["coolant"]
    assert f'href="/documents/{coolant.pk}/revisions/{library["new_coolant"].pk}/"' in page
    assert f'/revisions/{library["old_coolant"].pk}/"' not in page
    assert "<mark>refractometer</mark>" in page and "not yet in force" in page
    assert library["withdrawn"].number not in page
    page = client.get("/documents/", {"q": "zirconia", "fulltext": "1"}).content.decode()
    assert "Nothing found." in page and "Search earlier revisions too" in page
    page = client.get("/documents/", {"q": "zirconia", "fulltext": "1", "history": "1"}).content.decode()
    assert "Found in revision 1 (superseded), not in the revision shown." in page
    assert 'id="history" name="history" value="1" checked' in page


def test_global_search_labels_results_by_module_and_record_type(people, library, client):
    factories.nonconformity(actor=people["quality"], title="Refractometer reading drift",
                            description="Refractometer reads 2 % high.")
    labels = {(hit.module, hit.kind) for hit in web.search(people["quality"], "refractometer", limit=50)}
    assert ("Documents", "Document") in labels and ("Improvement", "Nonconformity") in labels
    assert not [module for module, _ in labels if module == "capa"]
    client.force_login(people["quality"])
    page = client.get("/search/", {"q": "refractometer"}).content.decode()
    assert "Improvement · Nonconformity" in page and "Documents · Document" in page
    assert "capa · " not in page
    assert "<mark>refractometer</mark>" in page
    assert f'/revisions/{library["new_coolant"].pk}/' in page
    dropdown = client.get("/search/", {"q": "refractometer"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Improvement · Nonconformity" in dropdown and "capa · " not in dropdown


def test_api_search_returns_the_effective_revision_and_a_plain_snippet(people, library, api_client):
    response = api_client.as_user(people["quality"]).get("/documents/search", q="refractometer")
    assert response.status_code == 200
    hits = {hit["number"]: hit for hit in response.json()}
    coolant = hits[library["coolant"].number]
    assert coolant["revision_id"] == library["new_coolant"].pk and coolant["status"] == "effective"
    assert coolant["in_force"] is True and coolant["matched_revision_id"] == library["new_coolant"].pk
    assert "<mark>" not in coolant["snippet"] and "|" not in coolant["snippet"]
    assert "refractometer" in coolant["snippet"]
    assert hits[library["draft_only"].number]["in_force"] is False
    assert library["withdrawn"].number not in hits
    api = api_client.as_user(people["quality"])
    current = {hit["number"] for hit in api.get("/documents/search", q="zirconia").json()}
    assert library["grinding"].number not in current
    with_history = {hit["number"]: hit for hit in api.get("/documents/search", q="zirconia", history="true").json()}
    grinding = with_history[library["grinding"].number]
    assert grinding["revision_id"] == library["new_grinding"].pk
    assert grinding["matched_revision_id"] == library["old_grinding"].pk


def test_reindex_command_rebuilds_the_index_as_plain_text(people, library):
    from io import StringIO

    from django.core.management import call_command

    SearchEntry.objects.filter(revision=library["new_coolant"]).update(body="# raw | markdown |")
    out = StringIO()
    call_command("documents", "reindex", stdout=out)
    assert out.getvalue().startswith("reindexed ")
    assert SearchEntry.objects.get(revision=library["new_coolant"]).body.startswith("Coolant check")
