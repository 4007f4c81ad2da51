"""``python -m sigma.cli``: the ``sigma`` command."""

import sys

from sigma.cli import main

sys.exit(main())
