"""Scenario 4 in pure Python: the specification itself, :mod:`ffibench.pure.words`."""

from ffibench.pure.words import *  # noqa: F403
from ffibench.pure.words import __all__  # noqa: F401
