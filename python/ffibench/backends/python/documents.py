"""Scenario 7 in pure Python: the specification itself, :mod:`ffibench.pure.documents`."""

from ffibench.pure.documents import *  # noqa: F403
from ffibench.pure.documents import __all__  # noqa: F401
