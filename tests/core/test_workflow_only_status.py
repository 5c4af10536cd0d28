"""The workflow is the only source of status (issues "module kit" and "integrity"):

- steps not offered to people (`Transition(user=False)`) are refused to them by the generic endpoint
  (403 with the reason, nothing changes) and never listed; only services perform them (`by_service`);
- a status field's choices are its workflow's states;
- `record_update` does not change the state field of a record with a workflow;
- every step signed "approved" has a segregation-of-duties guard.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core import records
from qualitas.core.regulated import record_update
from qualitas.core.workflow import engine

SRC = Path(__file__).resolve().parents[2] / "src" / "qualitas"


def _not_for_people():
    return [(workflow, t) for workflow in engine.all_workflows() for t in workflow.transitions if not t.user]


def _instance_in_source_state(workflow, transition):
    """A record of the workflow's type in one of the step's source states (the state is set directly
    on the row when the demo has none there: this is the test's own setup, not a transition)."""
    model = records.get_type(workflow.record_type).model
    field = workflow.state_field
    instance = model.objects.filter(**{f"{field}__in": transition.source}).order_by("pk").first()
    if instance is None:
        instance = model.objects.order_by("pk").first()
        if instance is None:
            return None
        model.objects.filter(pk=instance.pk).update(**{field: transition.source[0]})
        instance.refresh_from_db()
    return instance


def test_there_are_steps_reserved_for_the_system_or_a_follow_up():
    names = {(w.record_type, t.name) for w, t in _not_for_people()}
    assert {("documents.revision", "supersede"), ("capa.capa", "reopen"),
            ("documents.document", "withdraw"), ("measurements.controllimits", "supersede")} <= names


def test_the_generic_endpoint_refuses_people_every_step_not_offered_to_them(full_demo, quality_manager, api_client):
    api = api_client.as_user(quality_manager)
    missing = []
    for workflow, transition in _not_for_people():
        instance = _instance_in_source_state(workflow, transition)
        if instance is None:
            missing.append(workflow.record_type)
            continue
        url = f"/records/{workflow.record_type}/{instance.pk}/transitions"
        before = (workflow.state_of(instance), instance.version)
        listed = api.get(url)
        assert listed.status_code == 200, (workflow.record_type, listed.content)
        assert transition.name not in [t["name"] for t in listed.json()["transitions"]]
        response = api.post(f"{url}/{transition.name}", {"version": instance.version, "reason": "Trying the bypass"})
        assert response.status_code == 403, (workflow.record_type, transition.name, response.content)
        assert "not a step people perform" in response.json()["message"]
        instance.refresh_from_db()
        assert (workflow.state_of(instance), instance.version) == before, (workflow.record_type, transition.name)
    assert not missing, f"no demo record to try: {missing}"


def test_the_step_dialog_refuses_people_a_step_not_offered_to_them(demo, client):
    from qualitas.accounts.models import User
    from qualitas.documents.models import Revision

    revision = Revision.objects.filter(status="effective").first()
    client.force_login(User.objects.get(username="quality"))
    url = f"/workflow/documents.revision/{revision.pk}/supersede/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": revision.version, "reason": "x"}).status_code == 403
    revision.refresh_from_db()
    assert revision.status == "effective"


def test_services_perform_such_a_step_only_when_they_say_so(demo):
    from qualitas.accounts.models import User
    from qualitas.documents.models import Revision

    quality = User.objects.get(username="quality")
    revision = Revision.objects.filter(status="effective").first()
    with pytest.raises(PermissionDenied, match="not a step people perform"):
        engine.perform(actor=quality, instance=revision, transition="supersede")
    revision.refresh_from_db()
    assert revision.status == "effective"


def _passes_by_service(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.keyword) and node.arg == "by_service" for node in ast.walk(tree))


def test_api_endpoints_and_views_never_perform_steps_by_service():
    adapters = [p for p in SRC.rglob("*.py") if p.name in ("api.py", "urls.py") or p.name.startswith("views")]
    assert adapters
    assert [str(p.relative_to(SRC)) for p in adapters if _passes_by_service(p)] == []


def test_status_choices_come_from_the_workflow():
    for workflow in engine.all_workflows():
        model = records.get_type(workflow.record_type).model
        if not model.__module__.startswith("qualitas."):
            continue  # the core's own test record keeps a plain field
        field = model._meta.get_field(workflow.state_field)
        assert field.choices is not None, workflow.record_type
        assert list(field.choices) == engine.state_choices(workflow.record_type), workflow.record_type
        assert field.default in workflow.states, workflow.record_type
    assert not any(hasattr(records.get_type(w.record_type).model, "STATUSES") for w in engine.all_workflows())


def test_record_update_refuses_to_change_the_state_of_a_record_with_a_workflow(demo):
    from qualitas.documents.models import Document

    document = Document.objects.filter(status="active").first()
    version = document.version
    with pytest.raises(ValidationError, match="status changes only through its workflow") as refused:
        record_update(None, document, event="documents.document_updated", changes={"status": "withdrawn"},
                      require_reason=False)
    assert "status" in refused.value.message_dict
    document.refresh_from_db()
    assert (document.status, document.version) == ("active", version)


def test_every_approval_has_a_segregation_of_duties_guard():
    approvals = [(w.record_type, t) for w in engine.all_workflows() for t in w.transitions if t.signature == "approved"]
    assert approvals
    lacking = [f"{key}.{t.name}" for key, t in approvals if not any(engine.is_segregation_guard(g) for g in t.guards)]
    assert lacking == [], f"approved without a segregation-of-duties guard: {lacking}"


def test_not_author_is_marked_as_a_segregation_guard():
    assert engine.is_segregation_guard(engine.not_author("owner"))
    assert not engine.is_segregation_guard(engine.required_fields("title"))


def test_an_automatic_step_cannot_ask_for_a_signature_or_a_reason():
    with pytest.raises(ValueError, match="automatic"):
        engine.Workflow(
            record_type="x.y",
            states={"a": engine.State("A"), "b": engine.State("B")},
            transitions=[engine.Transition("go", "Go", ("a",), "b", reason_required=True, automatic=True)],
        )
