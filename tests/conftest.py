"""Shared fixtures: one test, every backend; hypothesis profiles for CI and for thorough runs."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import ffibench

#: Every backend but the spec: the ones that cross a boundary into the Rust core.
RUST_BACKENDS = [name for name in ffibench.BACKENDS if name != "python"]

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The long differential run (tests/test_differential*.py, `make fuzz-python`): many examples,
# the database kept so that a failure found once is replayed by the next plain `pytest`.
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    stateful_step_count=60,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(params=ffibench.BACKENDS, scope="session")
def backend(request: pytest.FixtureRequest) -> ffibench.Backend:
    """Each backend in turn: python (the spec itself), pyo3, ctypes, cffi_abi, cffi_api."""
    return ffibench.backend(request.param)


@pytest.fixture(params=RUST_BACKENDS, scope="session")
def rust_backend(request: pytest.FixtureRequest) -> ffibench.Backend:
    """Each backend that runs the Rust core: pyo3, ctypes, cffi_abi, cffi_api."""
    return ffibench.backend(request.param)
