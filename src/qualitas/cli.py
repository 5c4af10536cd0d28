"""The `qualitas` command: Django's manage.py plus Qualitas commands (serve, demo, token, …).

`qualitas stats …` runs the statistics command line without starting Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "stats":
        from qualitas.stats.cli import main as stats_main

        return stats_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualitas.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
