"""Scenario 5 through PyO3: the native module's functions and ``#[pyclass] Buffer`` themselves."""

from ffibench._native.buffers import Buffer, generate, generate_bytes, generate_list

__all__ = ["Buffer", "generate", "generate_bytes", "generate_list"]
