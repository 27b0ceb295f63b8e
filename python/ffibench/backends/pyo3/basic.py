"""Scenario 1 through PyO3: the native module's functions themselves, no Python in between."""

from ffibench._native.basic import *  # noqa: F403
from ffibench._native.basic import __all__  # noqa: F401
