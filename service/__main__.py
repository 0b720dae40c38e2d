"""``python -m trivsel.service``: the gRPC server (the same as ``trivsel serve``)."""

import sys

from .main import main

sys.exit(main())
