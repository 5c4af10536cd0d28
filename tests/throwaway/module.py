"""The smallest complete module (docs/modules.md): a suggestion box, installed only under pytest."""

from django.urls import reverse

from qualitas.core.modules import ModuleSpec, Nav, Permission, RecordTypeSpec, Source

MODULE = ModuleSpec(
    key="suggestions",
    label="Suggestions",
    permissions=(
        Permission("suggestions", "Suggestion box",
                   grants={"quality-manager": ("view", "create", "edit", "approve", "administer"),
                           "employee": ("view", "create")}),
    ),
    navigation=(Nav("suggestions", "Suggestions", "suggestions:list", icon="lightbulb", order=95,
                    permission="suggestions"),),
    record_types=(
        RecordTypeSpec("throwaway.Suggestion", "Suggestion", "tests.throwaway.selectors:suggestion_get",
                       visible="tests.throwaway.selectors:suggestions_visible",
                       url=lambda s: reverse("suggestions:detail", args=[s.pk]),
                       list_url_name="suggestions:list", api_list="/suggestions",
                       factory="tests.throwaway.services:suggestion_for_tests"),
    ),
    search="tests.throwaway.selectors:search",
    api=("tests.throwaway.api:router",),
    urls=(("suggestions/", "tests.throwaway.urls"),),
    demo="tests.throwaway.demo:load",
    audit_events=("suggestions.suggestion_created",),
    sources=(Source("suggestion", "Suggestion", record_types=("throwaway.suggestion",), raises=("action",)),),
)
