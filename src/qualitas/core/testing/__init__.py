"""The test kit: factories that build records through the real services, `assert_audited()`, the
session organisation every test reuses, and the pytest plugin that wires it in
(`pytest_plugins = ["qualitas.core.testing.pytest_plugin"]`).

Nothing here is imported by the application; it is for test suites (ours and a module author's).
"""

from qualitas.core.testing.audit import assert_audited, audited_events
from qualitas.core.testing.factories import PASSWORD

__all__ = ["PASSWORD", "assert_audited", "audited_events"]
