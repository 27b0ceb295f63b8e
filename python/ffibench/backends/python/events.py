"""Scenario 6 in pure Python: the specification itself, :mod:`ffibench.pure.events`."""

from ffibench.pure.events import *  # noqa: F403
from ffibench.pure.events import __all__  # noqa: F401
