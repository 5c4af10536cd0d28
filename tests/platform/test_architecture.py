"""Architecture rules that keep the layers honest (STYLE.md rule 14)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import qualitas.stats


def test_the_statistics_library_imports_no_django():
    modules = [f"qualitas.stats.{m.name}" for m in pkgutil.iter_modules(qualitas.stats.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) >= 8
    assert result.stdout.strip() == "", f"qualitas.stats pulled in Django: {result.stdout}"
