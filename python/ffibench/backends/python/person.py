"""Scenario 2 in pure Python: the specification itself, :mod:`ffibench.pure.person`."""

from ffibench.pure.person import *  # noqa: F403
from ffibench.pure.person import __all__  # noqa: F401
