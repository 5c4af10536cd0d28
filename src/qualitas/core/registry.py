"""The shell's registries: navigation, task and search providers, API routers, record panels and
export sections. They are filled only from the modules' specs (qualitas.core.modules), never by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from qualitas.core.modules import Nav, Panel


@dataclass(frozen=True)
class TaskItem:
    """Something waiting for a user, shown in "My tasks"."""

    title: str
    url: str
    module: str
    kind: str
    due: date | datetime | None = None
    record: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class SearchHit:
    """One result of the global search. `module` and `kind` are what a person reads: the module's label
    and the record type's label (the search fills in the label of the module whose provider found the
    hit); `detail` is a short qualifier (a revision and its status); `snippet` may be safe HTML."""

    title: str
    url: str
    module: str
    kind: str
    snippet: str = ""
    score: float = 0.0
    detail: str = ""


TaskProvider = Callable[[object], Iterable[TaskItem]]
SearchProvider = Callable[[object, str, int], Iterable[SearchHit]]


@dataclass
class Registry:
    modules: dict[str, Nav] = field(default_factory=dict)  # navigation entries by key
    task_providers: dict[str, TaskProvider] = field(default_factory=dict)
    search_providers: dict[str, SearchProvider] = field(default_factory=dict)
    api_routers: list[tuple[str, object]] = field(default_factory=list)
    record_panels: list[Panel] = field(default_factory=list)
    # name -> function(instance, actor) returning JSON-safe data for the generic record export (P11-B)
    export_sections: dict[str, Callable[[object], object]] = field(default_factory=dict)

    def add_export_section(self, name: str, section: Callable[[object], object]) -> None:
        self.export_sections[name] = section

    def add_record_panel(self, panel: Panel) -> None:
        if all(existing.key != panel.key for existing in self.record_panels):
            self.record_panels.append(panel)
            self.record_panels.sort(key=lambda item: (item.order, item.key))

    def add_api_router(self, prefix: str, router: object) -> None:
        if all(existing is not router for _, existing in self.api_routers):
            self.api_routers.append((prefix, router))

    def add_module(self, module: Nav) -> None:
        self.modules[module.key] = module

    def add_task_provider(self, name: str, provider: TaskProvider) -> None:
        self.task_providers[name] = provider

    def add_search_provider(self, name: str, provider: SearchProvider) -> None:
        self.search_providers[name] = provider



registry = Registry()
