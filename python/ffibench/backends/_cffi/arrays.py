"""Scenario 3 through the C ABI with cffi: doubles by pointer and length.

A list is packed into an ``array.array("d")`` and a float64 buffer passed in place (copied
once if strided); see :func:`ffibench.capi.float64_input`. A result of unknown length comes
back as library-owned doubles, copied into a list or a NumPy array and freed at once.
"""

from __future__ import annotations

from typing import Any

import numpy

from ffibench.backends._capi import (
    filter_inputs,
    float64_input,
    float64_output,
    random_output,
)

from ._calls import DOUBLE_OUT, DOUBLES_OUT, call, fail
from ._library import ffi, lib


def _pointer(address: int) -> Any:
    return ffi.cast("double *", address)


def _reduce(function: Any, xs: object) -> float:
    _owner, address, length, _ = float64_input(xs)
    return call(function, DOUBLE_OUT, _pointer(address), length)


def sum(xs: object) -> float:
    """The pairwise sum (see :func:`ffibench.pure.arrays.sum`)."""
    return _reduce(lib.ffibench_arrays_sum, xs)


def mean(xs: object) -> float:
    """The mean (see :func:`ffibench.pure.arrays.mean`)."""
    return _reduce(lib.ffibench_arrays_mean, xs)


def std(xs: object) -> float:
    """The population standard deviation (see :func:`ffibench.pure.arrays.std`)."""
    return _reduce(lib.ffibench_arrays_std, xs)


def min(xs: object) -> float:
    """The smallest value (see :func:`ffibench.pure.arrays.min`)."""
    return _reduce(lib.ffibench_arrays_min, xs)


def max(xs: object) -> float:
    """The largest value (see :func:`ffibench.pure.arrays.max`)."""
    return _reduce(lib.ffibench_arrays_max, xs)


def filter_greater(xs: object, threshold: float) -> Any:
    """The values greater than ``threshold`` (see :func:`ffibench.pure.arrays.filter_greater`)."""
    _owner, address, length, as_array, limit = filter_inputs(xs, threshold)
    out = ffi.new(DOUBLES_OUT)
    status = lib.ffibench_arrays_filter_greater(_pointer(address), length, limit, out)
    if status:
        raise fail(status)
    try:
        if as_array:
            data = ffi.buffer(out.ptr, 8 * out.len) if out.len else b""
            return numpy.frombuffer(data, dtype=numpy.float64).copy()
        return ffi.unpack(out.ptr, out.len) if out.len else []
    finally:
        lib.ffibench_doubles_free(out[0])


def normalize(xs: object) -> Any:
    """The z-scores (see :func:`ffibench.pure.arrays.normalize`)."""
    _owner, address, length, as_array = float64_input(xs)
    block, out = float64_output(length, as_array)
    status = lib.ffibench_arrays_normalize(_pointer(address), length, _pointer(out))
    if status:
        raise fail(status)
    return block if as_array else block.tolist()


def generate(n: int, seed: int, dist: str = "uniform") -> Any:
    """``n`` random values as a NumPy array (see :func:`ffibench.pure.arrays.generate`)."""
    block, count, stream, distribution = random_output(n, seed, dist)
    status = lib.ffibench_arrays_generate(count, stream, distribution, _pointer(block.ctypes.data))
    if status:
        raise fail(status)
    return block


def generate_list(n: int, seed: int, dist: str = "uniform") -> list[float]:
    """``n`` random values as a list (see :func:`ffibench.pure.arrays.generate_list`)."""
    return generate(n, seed, dist).tolist()
