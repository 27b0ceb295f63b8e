"""``python -m ffibench``: the same as the ``ffibench`` command."""

import sys

from ffibench.cli import main

sys.exit(main())
