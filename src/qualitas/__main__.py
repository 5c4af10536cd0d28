import sys

from qualitas.cli import main

sys.exit(main())
