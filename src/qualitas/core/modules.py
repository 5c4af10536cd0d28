"""The module kit: every app declares itself once, in `<app>/module.py`, as `MODULE = ModuleSpec(...)`.

The core discovers the specs of the installed apps (INSTALLED_APPS is the only list kept by hand),
fills the shell's and the core's registries from them (navigation, permission modules and default
grants, record types, workflows, jobs, numbering, search and task providers, API routers, URLs,
record panels, export sections, demo loaders, audit events, sources) and checks them at start-up
(`qualitas.core.checks`). References to code may be given as objects or as "module:attribute"
strings, resolved when the spec is installed, so a module.py imports nothing heavy.

See docs/modules.md for how to add a module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

Ref = Any  # an object, or "package.module:attribute"


def resolve(ref: Ref):
    """The object a spec names: `ref` itself, or the attribute of a "module:attribute" string."""
    if not isinstance(ref, str):
        return ref
    module_name, _, attribute = ref.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@dataclass(frozen=True)
class Nav:
    """A navigation entry; shown to users holding `permission_action` on `permission` (None: everyone)."""

    key: str
    label: str
    url_name: str
    icon: str = "grid"
    order: int = 100
    permission: str | None = None
    permission_action: str = "view"
    section: str = "modules"  # "modules" (the module bar) or "admin" (the system menu)


@dataclass(frozen=True)
class Permission:
    """A permission module (the key checked by authorize()) with the default grants per built-in role.

    `explicit`: a "*" grant does not reach it unless the role holds every right (the administrator)."""

    key: str
    label: str
    grants: dict[str, tuple[str, ...] | list[str]] = field(default_factory=dict)
    explicit: bool = False


@dataclass(frozen=True)
class RecordTypeSpec:
    """A record type the core can find, authorise, link, export and show (history, signatures, …)."""

    model: str  # "app_label.ModelName"
    label: str
    selector: Ref  # selector(actor, pk) -> instance; raises Http404/PermissionDenied
    url: Callable[[Any], str] | None = None  # the record's page
    permission: str | None = None  # permission module; default: the spec's first permission
    list_url_name: str | None = None  # the HTML register (URL name taking no arguments)
    api_list: str | None = None  # the API list endpoint relative to /api/v1, e.g. "/capas"
    visible: Ref | None = None  # visible(actor) -> queryset: lets links resolve many records in one query
    # factory(*, actor, site) -> a new record of the type, through the module's services: the test kit
    # uses it to add rows (query-count checks), so a new module is covered without editing the kit.
    factory: Ref | None = None


@dataclass(frozen=True)
class Job:
    name: str
    func: Ref
    every: timedelta
    timeout: timedelta | None = None
    description: str = ""


@dataclass(frozen=True)
class Numbering:
    key: str
    pattern: str
    reset: str = "yearly"
    description: str = ""


@dataclass(frozen=True)
class Source:
    """Something another module's record can come from: "an audit finding raises a nonconformity".

    `raises` names what may be raised from records of `record_types` ("nonconformity", "capa", "action")."""

    key: str  # stable, stored on the raised record, e.g. "audit_finding"
    label: str
    record_types: tuple[str, ...] = ()
    raises: tuple[str, ...] = ("nonconformity", "capa", "action")


@dataclass(frozen=True)
class Panel:
    """A tab on every record page (Related, Attachments, Signatures, History), loaded by htmx from the
    URL named `url_name` with (record_type, record_id); only on the pages of `record_types` when it
    names some (record type keys, e.g. "documents.revision")."""

    key: str
    label: str
    url_name: str
    order: int = 100
    record_types: tuple[str, ...] = ()

    def applies_to(self, record_type: str) -> bool:
        return not self.record_types or record_type in self.record_types


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    label: str
    app: str = ""  # the app label; filled in on discovery
    permissions: tuple[Permission, ...] = ()
    navigation: tuple[Nav, ...] = ()
    record_types: tuple[RecordTypeSpec, ...] = ()
    workflows: tuple[Ref, ...] = ()  # modules that define (and register) the workflows, e.g. "qualitas.capa.states"
    search: Ref | None = None  # search(actor, query, limit) -> SearchHit…
    tasks: Ref | None = None  # tasks(actor) -> TaskItem…
    jobs: tuple[Job, ...] = ()
    numbering: tuple[Numbering, ...] = ()
    api: tuple[Ref, ...] = ()  # ninja routers, mounted under /api/v1/
    urls: tuple[tuple[str, Ref], ...] = ()  # (prefix, urlconf module or pattern list/tuple)
    panels: tuple[Panel, ...] = ()
    export_sections: tuple[tuple[str, Ref], ...] = ()  # (name, section(instance) -> JSON-safe data)
    demo: Ref | None = None
    demo_after: tuple[str, ...] = ()  # modules whose demo data this demo builds on
    audit_events: tuple[str, ...] = ()  # event names recorded by the module's services
    sources: tuple[Source, ...] = ()
    # What this module creates when another module's record raises it: (kind, raiser) with
    # raiser(*, actor, raised_from, source, **fields) -> the new record; kinds as in Source.raises.
    raises: tuple[tuple[str, Ref], ...] = ()
    # The page where a person raises that kind from a record: (kind, URL name); the Related panel links
    # to it with ?raised_from=<record type>:<id>.
    raise_forms: tuple[tuple[str, str], ...] = ()
    on_migrate: tuple[Ref, ...] = ()  # setup(using=…) after `migrate` (default rows, catalogues)
    # (hook, receiver): what the module does when the core announces a step of any record
    # (qualitas.core.hooks: a workflow transition, a signature).
    hooks: tuple[tuple[str, Ref], ...] = ()

    @property
    def permission_key(self) -> str | None:
        return self.permissions[0].key if self.permissions else None


_specs: dict[str, ModuleSpec] = {}


def all_specs() -> list[ModuleSpec]:
    return list(_specs.values())


def get_spec(key: str) -> ModuleSpec | None:
    return _specs.get(key)


def spec_for_app(app_label: str) -> ModuleSpec | None:
    return next((spec for spec in _specs.values() if spec.app == app_label), None)


def discover() -> list[ModuleSpec]:
    """Import `<app>.module` of every installed app that has one and install its MODULE."""
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "module"):
            continue
        spec = importlib.import_module(f"{config.name}.module").MODULE
        install(spec, app=config.label)
    return all_specs()


def install(spec: ModuleSpec, *, app: str = "") -> ModuleSpec:
    """Register `spec` with the core. Idempotent for the same key (a re-install replaces it)."""
    from dataclasses import replace

    if app and not spec.app:
        spec = replace(spec, app=app)
    _specs[spec.key] = spec
    _wire(spec)
    return spec


def uninstall(key: str) -> None:
    """Remove a spec and what it registered (for tests that install a throw-away module)."""
    from qualitas.core import hooks, permissions, records
    from qualitas.core.audit import events
    from qualitas.core.jobs.registry import unregister_job
    from qualitas.core.registry import registry

    spec = _specs.pop(key, None)
    if spec is None:
        return
    for entry in spec.navigation:
        registry.modules.pop(entry.key, None)
    for permission in spec.permissions:
        permissions.PERMISSION_MODULES.pop(permission.key, None)
        permissions.EXPLICIT_MODULES.discard(permission.key)
    for record_type in spec.record_types:
        records.unregister(_record_key(record_type))
    for job in spec.jobs:
        unregister_job(job.name)
    registry.search_providers.pop(spec.key, None)
    registry.task_providers.pop(spec.key, None)
    registry.record_panels[:] = [p for p in registry.record_panels if p.key not in {x.key for x in spec.panels}]
    for name, _ in spec.export_sections:
        registry.export_sections.pop(name, None)
    events.unregister_module(spec.key)
    hooks.disconnect(spec.key)


def _record_key(record_type: RecordTypeSpec) -> str:
    app_label, _, model_name = record_type.model.partition(".")
    return f"{app_label}.{model_name.lower()}"


def _wire(spec: ModuleSpec) -> None:
    from django.apps import apps

    from qualitas.core import permissions, records
    from qualitas.core.audit import events
    from qualitas.core.jobs.registry import register_job
    from qualitas.core.numbering.services import ensure_scheme
    from qualitas.core.registry import registry

    for permission in spec.permissions:
        permissions.register_permission_module(permission.key, permission.label, explicit=permission.explicit)
    for entry in spec.navigation:
        registry.add_module(entry)
    for record_type in spec.record_types:
        records.register(
            records.RecordType(
                _record_key(record_type),
                apps.get_model(record_type.model),
                record_type.permission or spec.permission_key or spec.key,
                record_type.label,
                resolve(record_type.selector),
                url=record_type.url,
                list_url_name=record_type.list_url_name,
                api_list=record_type.api_list,
                visible=resolve(record_type.visible) if record_type.visible else None,
                factory=record_type.factory,
            )
        )
    for workflow_module in spec.workflows:
        resolve(workflow_module)
    events.register_module(spec.key, spec.audit_events)
    if spec.search is not None:
        registry.add_search_provider(spec.key, resolve(spec.search))
    if spec.tasks is not None:
        registry.add_task_provider(spec.key, resolve(spec.tasks))
    for job in spec.jobs:
        register_job(job.name, resolve(job.func), every=job.every, timeout=job.timeout, description=job.description)
    for scheme in spec.numbering:
        ensure_scheme(scheme.key, scheme.pattern, spec.permission_key or spec.key, reset=scheme.reset,
                      description=scheme.description)
    for router in spec.api:
        registry.add_api_router("", resolve(router))
    for panel in spec.panels:
        registry.add_record_panel(panel)
    for name, section in spec.export_sections:
        registry.add_export_section(name, resolve(section))
    from qualitas.core import hooks

    for hook, receiver in spec.hooks:
        if hook in hooks.HOOKS:  # an unknown name is reported by the start-up check
            hooks.connect(hook, resolve(receiver), owner=spec.key)


def demo_order() -> list[ModuleSpec]:
    """The specs with a demo loader, each after the modules its demo builds on (stable otherwise)."""
    with_demo = {spec.key: spec for spec in _specs.values() if spec.demo is not None}
    ordered: list[ModuleSpec] = []
    visiting: set[str] = set()

    def visit(spec: ModuleSpec) -> None:
        if spec in ordered or spec.key in visiting:
            return
        visiting.add(spec.key)
        for dependency in spec.demo_after:
            if dependency in with_demo:
                visit(with_demo[dependency])
        ordered.append(spec)

    for spec in with_demo.values():
        visit(spec)
    return ordered


def url_patterns() -> list:
    """The URL patterns every installed module declares (config/urls.py mounts them)."""
    from django.urls import include, path

    patterns = []
    for spec in _specs.values():
        for prefix, urlconf in spec.urls:
            patterns.append(path(prefix, include(resolve(urlconf))))
    return patterns


def all_sources() -> list[tuple[ModuleSpec, Source]]:
    return [(spec, source) for spec in _specs.values() for source in spec.sources]


def source_choices(kind: str | None = None) -> list[tuple[str, str]]:
    """(key, label) of the installed modules' sources, those that may raise `kind` when given."""
    return [(source.key, source.label) for _, source in all_sources() if kind is None or kind in source.raises]


def source_for(record_type_key: str) -> Source | None:
    return next((source for _, source in all_sources() if record_type_key in source.record_types), None)


def raise_form_for(kind: str) -> tuple[ModuleSpec, str] | None:
    for spec in _specs.values():
        for raised, url_name in spec.raise_forms:
            if raised == kind:
                return spec, url_name
    return None


def raiser_for(kind: str):
    """The function that creates a `kind` ("nonconformity", "capa", "action") raised from a record."""
    for spec in _specs.values():
        for raised, ref in spec.raises:
            if raised == kind:
                return resolve(ref)
    return None


def role_grants() -> dict[str, dict[str, list[str]]]:
    """{role code: {permission module: [actions]}} that the installed modules grant by default."""
    from qualitas.core.permissions import ACTIONS

    grants: dict[str, dict[str, list[str]]] = {}
    for spec in _specs.values():
        for permission in spec.permissions:
            for role, actions in permission.grants.items():
                grants.setdefault(role, {})[permission.key] = [a for a in ACTIONS if a in actions]
    return grants
