"""Scenario 3 through the C ABI with ctypes: doubles by pointer and length.

A list is packed into an ``array.array("d")`` and a float64 buffer passed in place (copied
once if strided); see :func:`ffibench.capi.float64_input`. A result of unknown length comes
back as library-owned doubles, copied into a list or a NumPy array and freed at once.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_double, c_int, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any

import numpy

from ffibench.backends._capi import (
    filter_inputs,
    float64_input,
    float64_output,
    random_output,
)
from ffibench.backends.ctypes._library import call, declare, fail


class Doubles(ctypes.Structure):
    """``ffibench_doubles``: values owned by the library until ``ffibench_doubles_free``."""

    _fields_ = (("ptr", c_void_p), ("len", c_size_t))


_sum = declare("ffibench_arrays_sum", c_int, c_void_p, c_size_t, POINTER(c_double))
_mean = declare("ffibench_arrays_mean", c_int, c_void_p, c_size_t, POINTER(c_double))
_std = declare("ffibench_arrays_std", c_int, c_void_p, c_size_t, POINTER(c_double))
_min = declare("ffibench_arrays_min", c_int, c_void_p, c_size_t, POINTER(c_double))
_max = declare("ffibench_arrays_max", c_int, c_void_p, c_size_t, POINTER(c_double))
_filter_greater = declare(
    "ffibench_arrays_filter_greater", c_int, c_void_p, c_size_t, c_double, POINTER(Doubles)
)
_normalize = declare("ffibench_arrays_normalize", c_int, c_void_p, c_size_t, c_void_p)
_free = declare("ffibench_doubles_free", None, Doubles)
_generate = declare("ffibench_arrays_generate", c_int, c_size_t, c_uint64, c_uint32, c_void_p)


def _reduce(function: Any, xs: object) -> float:
    _owner, address, length, _ = float64_input(xs)
    return call(function, c_double, address, length)


def sum(xs: object) -> float:
    """The pairwise sum (see :func:`ffibench.pure.arrays.sum`)."""
    return _reduce(_sum, xs)


def mean(xs: object) -> float:
    """The mean (see :func:`ffibench.pure.arrays.mean`)."""
    return _reduce(_mean, xs)


def std(xs: object) -> float:
    """The population standard deviation (see :func:`ffibench.pure.arrays.std`)."""
    return _reduce(_std, xs)


def min(xs: object) -> float:
    """The smallest value (see :func:`ffibench.pure.arrays.min`)."""
    return _reduce(_min, xs)


def max(xs: object) -> float:
    """The largest value (see :func:`ffibench.pure.arrays.max`)."""
    return _reduce(_max, xs)


def filter_greater(xs: object, threshold: float) -> Any:
    """The values greater than ``threshold`` (see :func:`ffibench.pure.arrays.filter_greater`)."""
    _owner, address, length, as_array, limit = filter_inputs(xs, threshold)
    out = Doubles()
    status = _filter_greater(address, length, limit, ctypes.byref(out))
    if status:
        raise fail(status)
    try:
        block = (c_double * out.len).from_address(out.ptr) if out.len else (c_double * 0)()
        values = memoryview(block).cast("B").cast("d")  # ctypes says "<d"; NumPy, tolist want "d"
        if as_array:
            return numpy.array(values, dtype=numpy.float64)  # a writable copy, via the buffer
        return values.tolist()
    finally:
        _free(out)


def normalize(xs: object) -> Any:
    """The z-scores (see :func:`ffibench.pure.arrays.normalize`)."""
    _owner, address, length, as_array = float64_input(xs)
    block, out = float64_output(length, as_array)
    status = _normalize(address, length, out)
    if status:
        raise fail(status)
    return block if as_array else block.tolist()


def generate(n: int, seed: int, dist: str = "uniform") -> Any:
    """``n`` random values as a NumPy array (see :func:`ffibench.pure.arrays.generate`)."""
    block, count, stream, distribution = random_output(n, seed, dist)
    status = _generate(count, stream, distribution, block.ctypes.data)
    if status:
        raise fail(status)
    return block


def generate_list(n: int, seed: int, dist: str = "uniform") -> list[float]:
    """``n`` random values as a list (see :func:`ffibench.pure.arrays.generate_list`)."""
    return generate(n, seed, dist).tolist()
