"""Scenario 8 through the C ABI with cffi: each matrix as a pointer, dimensions and strides.

The operands are checked and read as the spec reads them and passed in place when they are
aligned and C- or Fortran-contiguous (copied once otherwise); see
:func:`ffibench.backends._capi.matrix_inputs`. The library writes the product into a NumPy
array allocated here. cffi releases the GIL for the call.
"""

from __future__ import annotations

from typing import Any

import numpy

from ffibench.backends._capi import matrix_inputs

from ._calls import fail
from ._library import ffi, lib

__all__ = ["matmul"]

_DOUBLE = ffi.typeof("double *")
_FLOAT = ffi.typeof("float *")


def matmul(a: object, b: object) -> Any:
    """``a @ b`` as a new C-ordered array (see :func:`ffibench.pure.matmul.matmul`)."""
    left, right, out = matrix_inputs(a, b)
    if out.dtype == numpy.float32:
        function, pointer = lib.ffibench_matmul_f32, _FLOAT
    else:
        function, pointer = lib.ffibench_matmul_f64, _DOUBLE
    status = function(
        ffi.cast(pointer, left.address), *left[2:],
        ffi.cast(pointer, right.address), *right[2:],
        ffi.cast(pointer, out.ctypes.data),
    )  # fmt: skip
    if status:
        raise fail(status)
    return out
