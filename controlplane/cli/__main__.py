"""`python -m controlplane.cli`: the same as `gatewayctl`."""

import sys

from controlplane.cli import main

sys.exit(main())
