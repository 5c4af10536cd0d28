from django.db import transaction

from qualitas.core.permissions import authorize
from qualitas.core.regulated import record_create
from tests.throwaway.models import Suggestion


@transaction.atomic
def suggestion_create(*, actor, title: str, site=None) -> Suggestion:
    if actor is not None:
        authorize(actor, "suggestions", "create", site)
    return record_create(actor, Suggestion(title=title, site=site), event="suggestions.suggestion_created")


def suggestion_for_tests(*, actor, site=None) -> Suggestion:
    """The module's test factory (RecordTypeSpec.factory): one more suggestion."""
    return suggestion_create(actor=actor, title="Another idea", site=site)
