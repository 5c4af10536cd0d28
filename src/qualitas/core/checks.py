"""System checks of the module specs (run by `qualitas check`, `qualitas serve` and the test suite).

A mistake in a module.py fails loudly at start-up, naming the module and the field, instead of a
navigation entry that silently disappears or a record type that answers 404.
"""

from __future__ import annotations

from django.core import checks

from qualitas.core import modules


def _error(spec, field: str, message: str, number: int) -> checks.Error:
    return checks.Error(f"Module {spec.key!r}, {field}: {message}", obj=f"{spec.app or spec.key}/module.py",
                        id=f"qualitas.E{number:03d}")


@checks.register("qualitas")
def check_module_specs(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for spec in modules.all_specs():
        errors.extend(check_spec(spec))
    errors.extend(_check_workflows())
    return errors


def check_spec(spec) -> list[checks.CheckMessage]:
    return [
        *_check_navigation(spec),
        *_check_permissions(spec),
        *_check_record_types(spec),
        *_check_demo(spec),
        *_check_audit_events(spec),
        *_check_sources(spec),
        *_check_hooks(spec),
    ]


def _check_hooks(spec):
    from qualitas.core import hooks

    for hook, receiver in spec.hooks:
        if hook not in hooks.HOOKS:
            yield _error(spec, f"hooks[{hook!r}]", f"unknown hook; the core announces {', '.join(hooks.HOOKS)}.", 9)
        try:
            if not callable(modules.resolve(receiver)):
                raise TypeError
        except (ImportError, AttributeError, TypeError):
            yield _error(spec, f"hooks[{hook!r}]", f"{receiver!r} is not a function.", 9)


def _check_navigation(spec):
    from django.urls import NoReverseMatch, reverse

    from qualitas.core.permissions import ACTIONS, PERMISSION_MODULES

    for entry in spec.navigation:
        field = f"navigation[{entry.key!r}]"
        try:
            reverse(entry.url_name)
        except NoReverseMatch:
            yield _error(spec, field, f"URL name {entry.url_name!r} does not resolve (are its URLs mounted?).", 1)
        if entry.permission is not None and entry.permission not in PERMISSION_MODULES:
            yield _error(spec, field, f"permission {entry.permission!r} is not a registered permission module.", 2)
        if entry.permission_action not in ACTIONS:
            yield _error(spec, field, f"permission_action {entry.permission_action!r} is not one of {ACTIONS}.", 2)
        if entry.section not in ("modules", "admin"):
            yield _error(spec, field, f"section must be 'modules' or 'admin', not {entry.section!r}.", 2)


def _check_permissions(spec):
    from qualitas.accounts.roles import BUILTIN_ROLES
    from qualitas.core.permissions import ACTIONS

    role_codes = {role["code"] for role in BUILTIN_ROLES}
    for permission in spec.permissions:
        for role, actions in permission.grants.items():
            field = f"permissions[{permission.key!r}].grants[{role!r}]"
            if role not in role_codes:
                yield _error(spec, field, f"{role!r} is not a built-in role ({', '.join(sorted(role_codes))}).", 3)
            unknown = [action for action in actions if action not in ACTIONS]
            if unknown or isinstance(actions, str):
                yield _error(spec, field, f"unknown actions {unknown or actions!r}; use {', '.join(ACTIONS)}.", 3)


def _check_record_types(spec):
    from django.urls import NoReverseMatch, reverse

    from qualitas.core import records
    from qualitas.core.permissions import PERMISSION_MODULES

    for record_type in spec.record_types:
        field = f"record_types[{record_type.model!r}]"
        key = modules._record_key(record_type)
        registered = records._types.get(key)
        if registered is None:
            yield _error(spec, field, "is not registered (unknown model?).", 4)
            continue
        if not callable(registered.get):
            yield _error(spec, field, "needs a selector (actor, pk) -> record.", 4)
        if registered.url is None:
            yield _error(spec, field, "needs a url(record) for the record's page.", 4)
        if registered.module not in PERMISSION_MODULES:
            yield _error(spec, field, f"permission {registered.module!r} is not a registered permission module.", 4)
        if record_type.list_url_name:
            try:
                reverse(record_type.list_url_name)
            except NoReverseMatch:
                yield _error(spec, field, f"list_url_name {record_type.list_url_name!r} does not resolve.", 4)
        if record_type.api_list and not record_type.api_list.startswith("/"):
            yield _error(spec, field, f"api_list {record_type.api_list!r} must start with '/'.", 4)


def _check_demo(spec):
    known = {other.key for other in modules.all_specs()}
    for dependency in spec.demo_after:
        if dependency not in known:
            yield _error(spec, "demo_after", f"{dependency!r} is not an installed module.", 5)
    if spec.demo_after and spec.demo is None:
        yield _error(spec, "demo_after", "is set but the module has no demo loader.", 5)


def _check_audit_events(spec):
    for name in spec.audit_events:
        if not isinstance(name, str) or name.count(".") < 1 or name != name.strip() or " " in name:
            yield _error(spec, "audit_events", f"{name!r} is not an event name such as 'capa.capa_opened'.", 6)


def _check_sources(spec):
    from django.urls import NoReverseMatch, reverse

    from qualitas.core import records

    seen = {key for other in modules.all_specs() if other is not spec for key in (s.key for s in other.sources)}
    for source in spec.sources:
        field = f"sources[{source.key!r}]"
        if source.key in seen:
            yield _error(spec, field, "is also offered by another module; source keys are global.", 7)
        for key in source.record_types:
            if key not in records._types:
                yield _error(spec, field, f"record type {key!r} is not registered.", 7)
        for kind in source.raises:
            if kind not in ("nonconformity", "capa", "action"):
                yield _error(spec, field, f"raises {kind!r}: use nonconformity, capa or action.", 7)
    for kind, url_name in spec.raise_forms:
        try:
            reverse(url_name)
        except NoReverseMatch:
            yield _error(spec, f"raise_forms[{kind!r}]", f"URL name {url_name!r} does not resolve.", 7)
    raised_elsewhere = {kind for other in modules.all_specs() if other is not spec for kind, _ in other.raises}
    for kind, ref in spec.raises:
        if kind in raised_elsewhere:
            yield _error(spec, f"raises[{kind!r}]", "another module raises this kind already.", 7)
        try:
            if not callable(modules.resolve(ref)):
                raise TypeError
        except (ImportError, AttributeError, TypeError):
            yield _error(spec, f"raises[{kind!r}]", f"{ref!r} is not a function.", 7)


def _check_workflows():
    from qualitas.core import records
    from qualitas.core.permissions import ACTIONS
    from qualitas.core.workflow.engine import all_workflows

    for workflow in all_workflows():
        owner = f"workflow {workflow.record_type!r}"
        record_type = records._types.get(workflow.record_type)
        if record_type is None:
            yield checks.Error(f"{owner}: its record type is not declared by any module.", id="qualitas.E008")
            continue
        field_names = {f.name for f in record_type.model._meta.get_fields()}
        if workflow.state_field not in field_names:
            yield checks.Error(f"{owner}: state field {workflow.state_field!r} is not a field of the model.",
                               id="qualitas.E008")
        for transition in workflow.transitions:
            if transition.permission not in ACTIONS:
                yield checks.Error(
                    f"{owner}, transition {transition.name!r}: permission {transition.permission!r} is not one of "
                    f"{ACTIONS}.",
                    id="qualitas.E008",
                )
