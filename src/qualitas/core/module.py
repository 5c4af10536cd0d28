"""The core's own endpoints (health)."""

from qualitas.core.modules import ModuleSpec

MODULE = ModuleSpec(key="core", label="Core", api=("qualitas.core.routes:router",))
