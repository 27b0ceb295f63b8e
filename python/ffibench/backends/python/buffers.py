"""Scenario 5 in Python with NumPy: the specification itself, :mod:`ffibench.pure.buffers`."""

from ffibench.pure.buffers import Buffer, generate, generate_bytes, generate_list

__all__ = ["Buffer", "generate", "generate_bytes", "generate_list"]
