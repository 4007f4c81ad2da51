"""``python -m sigma.ctl``: the same as the ``sigmactl`` script."""

import sys

from sigma.ctl import main

sys.exit(main())
