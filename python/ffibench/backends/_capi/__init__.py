"""What the ctypes and cffi backends truly share: everything but the C calls themselves.

- :mod:`~ffibench.backends._capi.header`: where the library and its header are.
- this module: a status code to the documented exception, arguments converted as the spec
  converts them (UTF-8 text, float64 buffers of any alignment, stride or byte order), output
  blocks for C to fill, and :class:`LentColumn`, the base of a NumPy view of library memory.
- :mod:`~ffibench.backends._capi.person`: ownership, locks, copies and pickles of the objects
  that hold library memory.

Each backend's own modules keep the calls, written as a reader would write them with that
library (ctypes: declared ``argtypes``; cffi: the header's declarations).
"""

from __future__ import annotations

import array
import sys
import weakref
from typing import Any, NamedTuple

from ffibench.pure.basic import as_f64

__all__ = [
    "DISTRIBUTION_CODES",
    "LentColumn",
    "error",
    "filter_inputs",
    "float64_input",
    "float64_output",
    "matrix_inputs",
    "os_error",
    "random_output",
    "utf8",
]

#: The exception of each failing ``ffibench_status``, as in ``ffibench.h`` (0 is OK).
STATUS_EXCEPTIONS: dict[int, type[Exception]] = {
    1: ValueError,  # FFIBENCH_STATUS_INVALID_VALUE
    2: OverflowError,  # FFIBENCH_STATUS_OVERFLOW
    3: MemoryError,  # FFIBENCH_STATUS_OUT_OF_MEMORY
    4: ValueError,  # FFIBENCH_STATUS_INVALID_UTF8
    5: ValueError,  # FFIBENCH_STATUS_NULL_POINTER
    6: RuntimeError,  # FFIBENCH_STATUS_PANIC: a bug in ffibench, reported, never a crash
    7: OSError,  # FFIBENCH_STATUS_IO: see os_error, which adds the errno and the file
    8: RuntimeError,  # FFIBENCH_STATUS_INVALID_STATE: a stream started twice
}
#: ``FFIBENCH_STATUS_IO``: a file could not be opened or read.
STATUS_IO = 7


def error(status: int, message: bytes) -> Exception:
    """The exception for a failed call: its class from ``status``, its text from the library."""
    kind = STATUS_EXCEPTIONS.get(status, RuntimeError)
    text = message.decode("utf-8", "replace") or f"ffibench C ABI: status {status}"
    return kind(text)


def os_error(errno: int, message: bytes, filename: object) -> OSError:
    """The ``OSError`` of a failed open or read, as ``open()`` raises it: ``OSError(errno,
    strerror, filename)`` is the subclass Python picks for the number (``FileNotFoundError``
    for ENOENT, ``IsADirectoryError`` for EISDIR...)."""
    return OSError(errno, message.decode("utf-8", "replace"), filename)


def utf8(s: object) -> bytes:
    """``s`` as UTF-8; ``TypeError`` for a non-str, ``UnicodeEncodeError`` for a lone surrogate.

    ``str.encode`` itself, so a subclass cannot substitute other bytes with its own ``encode``.
    """
    if not isinstance(s, str):
        raise TypeError(f"s must be str, not {type(s).__name__}")
    return str.encode(s, "utf-8")


def float64_input(xs: object) -> tuple[Any, int, int, bool]:
    """``xs`` as aligned, contiguous, native-order doubles for a C call:
    ``(owner, address, length, is_buffer)``.

    A list or tuple becomes an ``array.array("d")`` (one C loop, the spec's ``TypeError`` for a
    non-number). A float64 buffer is passed in place when it is already what C needs; one that
    is strided, misaligned or big-endian is copied once by NumPy into one that is. The library
    refuses a misaligned pointer, and building a Rust slice over one would be undefined
    behaviour, so this is where every odd buffer is made safe. ``owner`` must stay alive until
    the call returns.
    """
    if isinstance(xs, list | tuple):
        # An exact tuple cannot change; a list is read through its iterator, as the spec reads
        # it, so a subclass's __iter__ and a list changed by an element's __float__ give the
        # spec's answer (array.array would index a list with the length it had at the start).
        values = array.array("d", xs if type(xs) is tuple else iter(xs))
        address, length = values.buffer_info()
        return values, address, length, False
    import numpy

    from ffibench.pure.arrays import float64_view, read

    float64_view(xs).release()  # the spec's checks: type, format, dimensions
    try:
        found = numpy.asarray(xs)
    except (BufferError, ValueError):  # an indirect (suboffsets) buffer NumPy cannot read
        found = numpy.array(read(xs)[0], dtype=numpy.float64)  # the spec's own reading
    usable = numpy.require(found, dtype=numpy.float64, requirements=("C", "A"))
    return usable, usable.ctypes.data, len(usable), True


def filter_inputs(xs: object, threshold: object) -> tuple[Any, int, int, bool, float]:
    """``filter_greater``'s arguments for a C call, read in the spec's order:
    ``float64_input(xs)`` and then the threshold as a float. A threshold that is not a float or
    an int runs Python code (``__float__``) that may write to ``xs``; the spec has read the
    values by then, so a buffer is copied first."""
    owner, address, length, as_array = float64_input(xs)
    if as_array and type(threshold) not in (float, int):
        owner, address, length, as_array = float64_input(owner.copy())
    limit = threshold if type(threshold) is float else as_f64(threshold, "threshold")
    return owner, address, length, as_array, limit


class Matrix(NamedTuple):
    """An operand ready for a C call: ``owner`` (keep it alive until the call returns), its
    address, dimensions and strides in elements."""

    owner: Any
    address: int
    rows: int
    cols: int
    row_stride: int
    col_stride: int


def matrix_inputs(a: object, b: object) -> tuple[Matrix, Matrix, Any]:
    """``a`` and ``b`` checked and read as the spec reads them (its own functions), in the
    result's dtype (float64, or float32 when both are float32), with the output array
    allocated: ``(a, b, out)``.

    An operand that is already native-order, aligned and C- or Fortran-contiguous is passed in
    place, with strides ``(cols, 1)`` or ``(1, rows)`` (never NumPy's own strides, which may
    be anything along a dimension of length 1); any other is copied once by NumPy, as
    :func:`float64_input` copies a 1-D buffer. The library refuses a misaligned pointer and
    an ``out`` that overlaps an input; ``out`` is a fresh ``numpy.empty`` that never does.
    """
    import numpy

    from ffibench.pure.matmul import as_matrix, check_shapes, result_dtype

    left, right = as_matrix(a, "a"), as_matrix(b, "b")
    check_shapes(left, right)
    dtype = result_dtype(left, right)
    out = numpy.empty((left.shape[0], right.shape[1]), dtype=dtype)
    return _matrix(left, dtype), _matrix(right, dtype), out


def _matrix(found: Any, dtype: Any) -> Matrix:
    import numpy

    flags, address = found.flags, found.ctypes.data
    # NumPy's own `aligned` flag says True for some misaligned arrays of one element: the
    # address is checked here (numpy.require would also cost a microsecond more a call).
    usable = found.dtype == dtype and address % found.itemsize == 0
    if not (usable and (flags.c_contiguous or flags.f_contiguous)):
        found = numpy.array(found, dtype=dtype, order="C", copy=True)  # a fresh, aligned block
        flags, address = found.flags, found.ctypes.data
    rows, cols = found.shape
    if flags.c_contiguous:
        return Matrix(found, address, rows, cols, cols, 1)
    return Matrix(found, address, rows, cols, 1, rows)


def float64_output(length: int, as_array: bool) -> tuple[Any, int]:
    """A zeroed block of ``length`` doubles for C to fill: ``(owner, address)``; a NumPy array
    when ``as_array``, else an ``array.array("d")`` (turn it into a list with ``.tolist()``)."""
    if as_array:
        import numpy

        block = numpy.zeros(length, dtype=numpy.float64)
        return block, block.ctypes.data
    values = array.array("d", bytes(8 * length))
    return values, values.buffer_info()[0]


#: ``FFIBENCH_DISTRIBUTION_*`` of ``ffibench.h``, by the spec's names.
DISTRIBUTION_CODES = {"uniform": 0, "normal": 1}


def random_output(n: object, seed: object, dist: object) -> tuple[Any, int, int, int]:
    """Checks ``generate``'s arguments as the spec does and allocates the output:
    ``(numpy array of n doubles, n, seed, distribution code)``; ``MemoryError`` when the
    array cannot be allocated."""
    import numpy

    from ffibench.pure.arrays import check_generate

    count, stream, kind = check_generate(n, seed, dist)
    if count > sys.maxsize // 8:  # NumPy would say ValueError ("too big")
        raise MemoryError(f"generate: cannot allocate {count} values")
    return numpy.empty(count, dtype=numpy.float64), count, stream, DISTRIBUTION_CODES[kind]


class LentColumn:
    """The base object of a NumPy array over a column the library lends (no copy): read-only,
    or ``writable`` for memory the array alone uses (``buffers.generate``'s).

    NumPy reads ``__array_interface__`` (read-only data) and keeps this object as the array's
    ``base``. Unlike a memoryview it cannot be released from Python, so the column stays lent
    for exactly as long as some array over it lives: ``release`` runs once, from a weak
    reference's callback when this object is gone. It is not a ``__del__``, which any caller
    could run by hand (``view.base.__del__()``) while the view lives, letting the payroll grow
    and move the column under it. ``owner`` (the Payroll) is kept alive until then. The
    description is rebuilt on each read from private fields, so editing the returned dict
    changes nothing.

    Examples
    --------
    >>> import numpy
    >>> values = numpy.arange(3.0)
    >>> view = numpy.asarray(LentColumn(values.ctypes.data, 3, "<f8", values, lambda: None))
    >>> view.tolist(), view.flags.writeable
    ([0.0, 1.0, 2.0], False)
    """

    __slots__ = ("__weakref__", "_address", "_length", "_lent", "_owner", "_typestr", "_writable")

    def __init__(
        self,
        address: int,
        length: int,
        typestr: str,
        owner: object,
        release: Any,
        *,
        writable: bool = False,
    ) -> None:
        if hasattr(self, "_address"):  # a second __init__ would point a live column elsewhere
            raise TypeError("a LentColumn describes one piece of memory, once")
        self._address, self._length, self._typestr = address, length, typestr
        self._owner = owner
        self._writable = writable
        # The release runs from a weak reference's callback, a plain function that finds what
        # to release in a private registry keyed by the reference's identity: the release is
        # reachable from no attribute of this object or of the reference, and a call by hand
        # (``ref.__callback__(ref)``, or with any other object) while this object lives, or a
        # second call, does nothing. The garbage collector runs weakref callbacks before any
        # finaliser of a cycle, so another finaliser of that cycle can still reach this object
        # after the release: the shared flag makes it refuse to describe the memory from then on.
        self._lent = [True]
        reference = weakref.ref(self, _released)
        _LENT[id(reference)] = (reference, self._lent, release)

    def __copy__(self) -> LentColumn:
        return self  # a copy would describe the memory without keeping it lent

    def __deepcopy__(self, memo: dict[int, Any]) -> LentColumn:
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a LentColumn cannot be pickled: pickle the array, not its base")

    @property
    def __array_interface__(self) -> dict[str, Any]:
        if not self._lent[0]:
            raise ReferenceError("this column was released: the library may have moved it")
        return {
            # read-only unless lent writable: NumPy then refuses to make the array writable
            "data": (self._address, not self._writable),
            "shape": (self._length,),
            "typestr": self._typestr,
            "version": 3,
        }


#: What each live :class:`LentColumn` releases, under ``id`` of the weak reference whose death
#: releases it: that reference, the column's shared flag and its release.
_LENT: dict[int, tuple[weakref.ref[LentColumn], list[bool], Any]] = {}


def _released(
    reference: object,
    registry: dict[int, tuple[weakref.ref[LentColumn], list[bool], Any]] = _LENT,
    reference_type: type = weakref.ref,
) -> None:
    """A :class:`LentColumn` is gone: mark it and release its column, once. Anything else
    (a call by hand with a live column's reference, a look-alike, a second call) does nothing.
    The registry and the type are bound at definition: at interpreter exit, module globals
    may already be gone when the last callbacks run."""
    entry = registry.get(id(reference))
    if (
        entry is None
        or entry[0] is not reference
        or type(reference) is not reference_type
        or reference() is not None
    ):
        return
    del registry[id(reference)]
    _, lent, release = entry
    lent[0] = False
    release()
