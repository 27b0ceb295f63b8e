"""Scenario 5, ``buffers``: the specification of large arrays made by the producer and handed to
Python consumers (NumPy, DLPack, Arrow), in Python with NumPy.

Every backend must give these values, expose them the same ways and raise the same exception
classes. What the scenario measures is the handoff, so the producer's values are specified
exactly but generated here with NumPy's vectorised arithmetic (a loop in Python would take
minutes for a gigabyte).

Values (``generate``, ``Buffer``, ``generate_list``, ``generate_bytes``)
    ``n`` values of ``dtype`` from ``seed``, on the counter-based generator of the ``arrays``
    scenario (``draw(stream, i)``: SplitMix64's output for counter ``i + 1``, see
    :mod:`ffibench.pure.arrays`):

    - ``"float64"``: standard normals, exactly the ``"normal"`` values of
      ``arrays.generate_list(n, seed, "normal")`` (Marsaglia's polar method, one stream per
      pair of values);
    - ``"float32"``: those values rounded to the nearest float32;
    - ``"int64"``: ``draw(seed, i)`` read as a two's-complement signed integer;
    - ``"uint8"``: the top 8 bits of ``draw(seed, i)``.
Tolerance
    The polar method takes a logarithm. This module uses NumPy's vectorised ``log``, which
    differs from the C library's ``log`` (the one Rust calls, and ``math.log``) in the last bit
    for about 0.3% of inputs. So a backend's float64 values may differ from these by at most 4
    units in the last place, and its float32 values by at most 1; int64 and uint8 values are
    exact (:func:`same_values` is the check).
Memory
    ``generate`` returns a writable NumPy array that owns its memory (for a backend: memory the
    producer allocated and filled, handed over with no copy, freed when the array and every
    view of it are gone). A ``Buffer`` is read-only: its memory is written once, when it is
    made, and never moved or written again, so any number of consumers and threads can read it;
    every consumer sees it read-only (the buffer protocol refuses a writable request with
    ``BufferError``; DLPack marks it read-only and refuses a consumer asking for a version
    before 1.0, which cannot carry the flag, as NumPy does for a read-only array). Consumers
    see it with no copy: ``numpy.asarray`` (the array interface; a PyO3 backend exports the
    buffer protocol itself), ``numpy.from_dlpack`` (``__dlpack__``, ``__dlpack_device__``: the
    CPU), and Arrow's PyCapsule interface (``__arrow_c_array__``: a primitive array of
    ``dtype`` without nulls; ``pyarrow.array(buffer)``). A Python class can export the buffer
    protocol itself only from Python 3.12 (``__buffer__``); on 3.11 ``memoryview`` of this
    class raises ``TypeError``, and ``memoryview(numpy.asarray(buffer))`` is the way.
    ``copy.copy``, ``copy.deepcopy`` and pickling make a new ``Buffer`` of the same ``n``,
    ``dtype`` and ``seed``.
Copies, for contrast
    ``generate_list`` returns Python ``float`` (float64, float32) or ``int`` values;
    ``generate_bytes`` the values' bytes in native byte order.
Arguments
    Checked in this order: ``n`` an integer ``>= 0`` (``TypeError`` for a non-integer,
    ``ValueError`` below 0, ``OverflowError`` beyond ``2**63 - 1``); ``dtype`` one of
    :data:`DTYPES` (``ValueError``; ``TypeError`` for a non-str), ``None`` meaning
    ``"float64"`` as in NumPy; ``seed`` an integer in ``0 .. 2**64 - 1`` (``OverflowError``
    outside), ``None`` meaning 0. When ``n`` values cannot be allocated: ``MemoryError``.
"""

from __future__ import annotations

import operator
import sys
from typing import Any

import numpy

from ffibench.pure.basic import shown_int

__all__ = [
    "DTYPES",
    "Buffer",
    "check",
    "generate",
    "generate_bytes",
    "generate_list",
    "same_values",
]

#: The element types a producer makes, by NumPy's name.
DTYPES = ("float64", "float32", "int64", "uint8")
#: Bytes per element of each dtype.
ITEMSIZE = {"float64": 8, "float32": 4, "int64": 8, "uint8": 1}
#: The largest difference, in units in the last place, between a backend's float values and
#: these (NumPy's ``log`` against the C library's).
ULPS = {"float64": 4, "float32": 1}

_MASK = 2**64 - 1
_GOLDEN = numpy.uint64(0x9E3779B97F4A7C15)
_MIX1 = numpy.uint64(0xBF58476D1CE4E5B9)
_MIX2 = numpy.uint64(0x94D049BB133111EB)
#: Pairs of normals made at once: bounds the temporaries to a few tens of megabytes.
_CHUNK = 1 << 20


def check(n: object, dtype: object, seed: object) -> tuple[int, str, int]:
    """``(n, dtype, seed)`` checked as the module docstring says (shared with the ctypes and
    cffi wrappers, so that every backend words its errors alike)."""
    count = operator.index(n)  # type: ignore[arg-type]
    if count < 0:
        raise ValueError(f"n must be >= 0, got {shown_int(count)}")
    if count > 2**63 - 1:
        raise OverflowError(f"n = {shown_int(count)} does not fit a signed 64-bit integer")
    if dtype is None:
        dtype = "float64"
    if not isinstance(dtype, str):
        raise TypeError(f"dtype must be str, not {type(dtype).__name__}")
    dtype = str.__str__(dtype)  # a subclass's text, whatever its __eq__ and __hash__ say
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    stream = 0 if seed is None else operator.index(seed)  # type: ignore[arg-type]
    if not 0 <= stream <= _MASK:
        raise OverflowError(f"seed = {shown_int(stream)} is not in 0 .. 2**64 - 1")
    if count > sys.maxsize // ITEMSIZE[dtype]:
        raise MemoryError(f"cannot allocate {count} values of {dtype}")
    return count, dtype, stream


def _draws(stream: numpy.ndarray | int, index: numpy.ndarray) -> numpy.ndarray:
    """``draw(stream, index)`` element-wise, in uint64 arithmetic that wraps as the spec's."""
    z = numpy.uint64(stream) + (index + numpy.uint64(1)) * _GOLDEN
    z = (z ^ (z >> numpy.uint64(30))) * _MIX1
    z = (z ^ (z >> numpy.uint64(27))) * _MIX2
    return z ^ (z >> numpy.uint64(31))


def _uniforms(stream: numpy.ndarray, index: numpy.ndarray) -> numpy.ndarray:
    return (_draws(stream, index) >> numpy.uint64(11)).astype(numpy.float64) * 2.0**-53


def _normals_into(out: numpy.ndarray, seed: int, first_pair: int) -> None:
    """Pairs ``first_pair ..`` of the polar method into ``out`` (an even length, or the tail)."""
    pairs = (out.size + 1) // 2
    streams = _draws(seed, numpy.arange(first_pair, first_pair + pairs, dtype=numpy.uint64))
    index = numpy.zeros(pairs, dtype=numpy.uint64)
    x = numpy.empty(pairs)
    y = numpy.empty(pairs)
    s = numpy.empty(pairs)
    todo = numpy.arange(pairs)
    while todo.size:
        stream, at = streams[todo], index[todo]
        xs = 2.0 * _uniforms(stream, at) - 1.0
        ys = 2.0 * _uniforms(stream, at + numpy.uint64(1)) - 1.0
        ss = xs * xs + ys * ys
        index[todo] = at + numpy.uint64(2)
        accepted = (ss > 0.0) & (ss < 1.0)
        done = todo[accepted]
        x[done], y[done], s[done] = xs[accepted], ys[accepted], ss[accepted]
        todo = todo[~accepted]
    factor = numpy.sqrt(-2.0 * numpy.log(s) / s)
    out[0::2] = x * factor
    out[1::2] = (y * factor)[: out.size // 2]


def _fill(out: numpy.ndarray, dtype: str, seed: int) -> None:
    count = out.size
    for start in range(0, count, 2 * _CHUNK):
        part = out[start : start + 2 * _CHUNK]
        if dtype in ("float64", "float32"):
            values = numpy.empty(part.size) if dtype == "float32" else part
            _normals_into(values, seed, start // 2)
            if dtype == "float32":
                part[:] = values  # rounds to nearest, ties to even
        else:
            draws = _draws(seed, numpy.arange(start, start + part.size, dtype=numpy.uint64))
            part[:] = draws.view(numpy.int64) if dtype == "int64" else draws >> numpy.uint64(56)


def generate(n: int, dtype: str | None = "float64", seed: int | None = 0) -> Any:
    """``n`` values of ``dtype`` as a new, writable NumPy array (see the module docstring).

    Examples
    --------
    >>> generate(3, "int64", 1).tolist()
    [-7995527694508729151, -4689498862643123097, -534904783426661026]
    >>> generate(2, "uint8", 1).tolist()
    [145, 190]
    """
    return _generated(*check(n, dtype, seed))


def _generated(count: int, kind: str, stream: int) -> Any:
    """:func:`generate` of arguments already checked."""
    out = numpy.empty(count, dtype=kind)  # MemoryError when it cannot be allocated
    with numpy.errstate(over="ignore"):
        _fill(out, kind, stream)
    return out


def generate_list(n: int, dtype: str | None = "float64", seed: int | None = 0) -> list[Any]:
    """The values of :func:`generate` as a list of Python numbers: a copy.

    Examples
    --------
    >>> generate_list(2, "uint8", 1)
    [145, 190]
    """
    return generate(n, dtype, seed).tolist()  # type: ignore[no-any-return]


def generate_bytes(n: int, dtype: str | None = "float64", seed: int | None = 0) -> bytes:
    """The values of :func:`generate` as bytes in native byte order: a copy.

    Examples
    --------
    >>> generate_bytes(2, "uint8", 1)
    b'\\x91\\xbe'
    """
    return generate(n, dtype, seed).tobytes()  # type: ignore[no-any-return]


class Buffer:
    """``n`` values of ``dtype`` from ``seed`` in read-only memory, lent to any consumer with
    no copy (see the module docstring).

    Subclasses (the C-ABI backends') make ``_array`` from memory of their own: a read-only
    NumPy array whose base keeps that memory alive; every protocol here lends it.

    Examples
    --------
    >>> import numpy
    >>> buffer = Buffer(3, "int64", 1)
    >>> numpy.asarray(buffer).tolist() == generate(3, "int64", 1).tolist()
    True
    >>> numpy.from_dlpack(buffer).flags.writeable
    False
    """

    __slots__ = ("__weakref__", "_array", "_key")

    _array: Any
    _key: tuple[int, str, int]  # (n, dtype, seed), checked

    def __new__(cls, n: int, dtype: str | None = "float64", seed: int | None = 0) -> Buffer:
        key = check(n, dtype, seed)
        array = _generated(*key)
        array.flags.writeable = False
        return cls._lending(array, key)

    @classmethod
    def _lending(cls, array: Any, key: tuple[int, str, int]) -> Buffer:
        self = object.__new__(cls)
        self._array = array
        self._key = key
        return self

    def __len__(self) -> int:
        return int(self._array.size)

    @property
    def dtype(self) -> str:
        """The element type's NumPy name."""
        return self._key[1]

    @property
    def nbytes(self) -> int:
        """The size of the memory in bytes."""
        return int(self._array.nbytes)

    @property
    def __array_interface__(self) -> dict[str, Any]:
        # NumPy keeps this object as the new array's base: the memory lives while it does.
        return self._array.__array_interface__  # type: ignore[no-any-return]

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        """A DLPack capsule over the memory (read-only: DLPack 1.0 or later)."""
        return self._array.__dlpack__(
            stream=stream, max_version=max_version, dl_device=dl_device, copy=copy
        )

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(1, 0)``: the CPU."""
        return self._array.__dlpack_device__()  # type: ignore[no-any-return]

    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]:
        """The Arrow C data interface's schema and array capsules, over the memory."""
        import pyarrow

        return pyarrow.array(self._array).__arrow_c_array__(requested_schema)  # type: ignore[no-any-return]

    def __buffer__(self, flags: int) -> memoryview:  # the buffer protocol, from Python 3.12
        view = memoryview(self._array)
        if flags & 0x1:  # inspect.BufferFlags.WRITABLE
            raise BufferError("the buffer is read-only")
        return view

    def __reduce__(self) -> tuple[Any, tuple[int, str, int]]:
        return type(self), self._key

    def __copy__(self) -> Buffer:
        return type(self)(*self._key)

    def __deepcopy__(self, memo: dict[int, Any]) -> Buffer:
        return type(self)(*self._key)

    def __repr__(self) -> str:
        n, dtype, seed = self._key
        return f"{type(self).__name__}(n={n}, dtype={dtype!r}, seed={seed})"


def same_values(result: object, expected: object) -> bool:
    """Whether ``result`` holds ``expected``'s values to the module's tolerance: the same
    dtype and length, floats within :data:`ULPS` units in the last place, integers equal.

    ``result`` may be anything NumPy reads without a copy (an array, a ``Buffer``), a list (of
    ``generate_list``) or bytes (of ``generate_bytes``, compared byte for byte for integers).
    """
    if not isinstance(expected, numpy.ndarray):
        return False
    if isinstance(result, list):
        if len(result) != expected.size or any(
            type(value) is not (float if expected.dtype.kind == "f" else int) for value in result
        ):
            return False
        result = numpy.array(result, dtype=expected.dtype)
    elif isinstance(result, bytes):
        if len(result) != expected.nbytes:
            return False
        result = numpy.frombuffer(result, dtype=expected.dtype)
    try:
        found = numpy.asarray(result)
    except Exception:
        return False
    if found.dtype != expected.dtype or found.shape != expected.shape:
        return False
    name = expected.dtype.name
    if name not in ULPS:
        return bool(numpy.array_equal(found, expected))
    if not numpy.array_equal(numpy.signbit(found), numpy.signbit(expected)):
        return False
    # Same signs: the distance of the bit patterns is the distance in units in the last place
    # (float64's cannot overflow an int64 subtraction when the signs agree).
    bits = numpy.int64 if name == "float64" else numpy.int32
    distance = numpy.abs(found.view(bits).astype(numpy.int64) - expected.view(bits))
    return bool(distance.size == 0 or distance.max() <= ULPS[name])
