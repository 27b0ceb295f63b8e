"""Scenario 8 through PyO3: the native module's function itself, no Python in between."""

from ffibench._native.matmul import matmul

__all__ = ["matmul"]
