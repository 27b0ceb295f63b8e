"""Scenario 8 in Python: the specification itself, :mod:`ffibench.pure.matmul`."""

from ffibench.pure.matmul import *  # noqa: F403
from ffibench.pure.matmul import __all__  # noqa: F401
