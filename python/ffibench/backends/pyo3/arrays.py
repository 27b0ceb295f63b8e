"""Scenario 3 through PyO3: the native module's functions themselves, no Python in between."""

from ffibench._native.arrays import *  # noqa: F403
from ffibench._native.arrays import __all__  # noqa: F401
