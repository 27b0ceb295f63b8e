"""Scenario 8 through the C ABI with ctypes: each matrix as a pointer, dimensions and strides.

The operands are checked and read as the spec reads them and passed in place when they are
aligned and C- or Fortran-contiguous (copied once otherwise); see
:func:`ffibench.backends._capi.matrix_inputs`. The library writes the product into a NumPy
array allocated here. ctypes releases the GIL for the call.
"""

from __future__ import annotations

from ctypes import c_int, c_size_t, c_void_p
from typing import Any

import numpy

from ffibench.backends._capi import matrix_inputs
from ffibench.backends.ctypes._library import declare, fail

__all__ = ["matmul"]

_MATRIX = (c_void_p, c_size_t, c_size_t, c_size_t, c_size_t)
_matmul_f64 = declare("ffibench_matmul_f64", c_int, *_MATRIX, *_MATRIX, c_void_p)
_matmul_f32 = declare("ffibench_matmul_f32", c_int, *_MATRIX, *_MATRIX, c_void_p)


def matmul(a: object, b: object) -> Any:
    """``a @ b`` as a new C-ordered array (see :func:`ffibench.pure.matmul.matmul`)."""
    left, right, out = matrix_inputs(a, b)
    function = _matmul_f32 if out.dtype == numpy.float32 else _matmul_f64
    status = function(*left[1:], *right[1:], out.ctypes.data)
    if status:
        raise fail(status)
    return out
