"""Scenario 3 in pure Python: the specification itself, :mod:`ffibench.pure.arrays`."""

from ffibench.pure.arrays import *  # noqa: F403
from ffibench.pure.arrays import __all__  # noqa: F401
