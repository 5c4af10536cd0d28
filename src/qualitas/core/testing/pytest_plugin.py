"""The pytest plugin: one organisation per session, demo-data layers, and the fixtures built on them.

Use it with `pytest_plugins = ["qualitas.core.testing.pytest_plugin"]` in the top conftest.

- `django_db_setup` is extended: after the test database is created, the session organisation
  (`qualitas.core.testing.organisation`) is built and committed once.
- Each test still runs in its own transaction, rolled back afterwards.
- Transactional tests (`transactional_db`, `live_server`, `django_db(transaction=True)`) flush every
  table afterwards; the organisation is then rebuilt before the next test that uses the database.
- Demo data comes in layers (`demo`, `capa_demo`, `full_demo`; see `layers`), opened before the
  first test of a run of tests that ask for the same layer and rolled back after the last.
"""

from __future__ import annotations

import pytest

from qualitas.core.testing import layers as demo_layers
from qualitas.core.testing.organisation import Organisation, build_organisation

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences",
                          "django_db_serialized_rollback"}
DB_FIXTURES = {"db", *TRANSACTIONAL_FIXTURES}


class _State:
    blocker = None
    ready = False
    dirty = False
    layers = demo_layers.Layers()


STATE = _State()


def _uses_db(item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items):
    """Run the tests of one demo layer one after the other across the whole session (tests that need
    only the organisation first, in their written order), so each layer is loaded once per session
    rather than once per module: loading every module's demo data takes seconds."""

    def layer(item):
        return demo_layers.key_for(getattr(item, "fixturenames", ()))

    first_of_layer: dict = {}
    first_of_module: dict = {}
    for index, item in enumerate(items):
        key = layer(item)
        first_of_layer.setdefault(key, -1 if key is None else index)
        first_of_module.setdefault(getattr(item, "module", None), index)
    order = {id(item): index for index, item in enumerate(items)}
    items[:] = sorted(
        items,
        key=lambda item: (
            first_of_layer[layer(item)],
            first_of_module[getattr(item, "module", None)],
            order[id(item)],
        ),
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_organisation()
    STATE.blocker, STATE.ready, STATE.dirty = django_db_blocker, True, False
    yield
    with django_db_blocker.unblock():
        STATE.layers.leave()
    STATE.ready = False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not STATE.ready or not _uses_db(item):
        return
    transactional = _transactional(item)
    wanted = None if transactional else demo_layers.key_for(item.fixturenames)
    with STATE.blocker.unblock():
        if STATE.layers.key != wanted or STATE.dirty:
            STATE.layers.leave()
        if STATE.dirty:
            build_organisation()
            STATE.dirty = False
        if wanted is not None and STATE.layers.key != wanted:
            STATE.layers.enter(wanted)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _uses_db(item) and _transactional(item):
        STATE.dirty = True


def _ensure_layer(request, fixture_name: str) -> None:
    """Inside the test's layer, nothing to do; otherwise (a transactional test, the session's first
    test) load the data in the test's own transaction."""
    if STATE.layers.key is None or STATE.layers.key != demo_layers.key_for(request.fixturenames):
        demo_layers.load(demo_layers.FIXTURES[fixture_name])


@pytest.fixture
def organisation(db) -> Organisation:
    """The session organisation (sites SPR and RVD, the demo people, one user per built-in role and site)."""
    return Organisation()


@pytest.fixture
def demo(db, request):
    """The demo organisation with its documents (the other modules' demo data: their own fixtures)."""
    _ensure_layer(request, "demo")


@pytest.fixture
def capa_demo(db, request):
    """The demo organisation with the improvement loop's demo data."""
    _ensure_layer(request, "capa_demo")


@pytest.fixture
def full_demo(db, request) -> Organisation:
    """Every module's demo data, a change request and one attachment per matrix record."""
    _ensure_layer(request, "full_demo")
    return Organisation()


@pytest.fixture(autouse=True)
def _own_checkpoint_dir(settings, tmp_path_factory):
    """Each test its own audit checkpoint directory: `verify` reads the newest checkpoint by default,
    and one written by an earlier test (or a worker it started) describes a trail rolled back since."""
    settings.CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")
