"""The shell: home page ("My tasks") and the search across modules."""

from qualitas.core.modules import ModuleSpec

MODULE = ModuleSpec(key="web", label="Home", urls=(("", "qualitas.web.urls"),))
