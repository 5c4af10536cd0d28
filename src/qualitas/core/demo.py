"""Demo mode's published credential, shared by the demo organisation and every module's demo data.

It lives in the core so a module's demo loader can sign as a demo user without importing the
organisation loader (`qualitas.demo`), which sits above the modules.
"""

from __future__ import annotations

DEMO_PASSWORD = "qualitas-demo"  # noqa: S105 - published demo credential, demo mode only
