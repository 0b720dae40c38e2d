"""``python -m trivsel``: the command line (the same as ``trivsel``)."""

import sys

from trivsel.client.cli import main

sys.exit(main())
