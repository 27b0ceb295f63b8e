"""Scenario 1 in pure Python: the specification itself, :mod:`ffibench.pure.basic`."""

from ffibench.pure.basic import *  # noqa: F403
from ffibench.pure.basic import __all__  # noqa: F401
