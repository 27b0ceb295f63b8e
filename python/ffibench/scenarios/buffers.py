"""Scenario 5, ``buffers``: a large array made by the producer handed to NumPy, DLPack and Arrow
consumers without a copy, against copies, pickle and shared memory, in time and in memory.

``size`` is the array's size in bytes (float64: ``size // 8`` values). Operations:

- ``generate``: make the array and hand it over (allocation, first touch of the fresh pages,
  filling): the rate is in bytes/s, which the report sets against the machine's copy
  bandwidth, measured once per run (:func:`measure_machine`). Anchor: NumPy's
  ``default_rng(seed).standard_normal(n)``, a new array of normals (other values: checked for
  dtype and shape only).
- ``generate:rss``: the memory of the same call in a fresh process: the peak above the start
  (the array itself plus whatever else the producer needs) and what is left once it is dropped.
- ``handoff:numpy``, ``handoff:dlpack``, ``handoff:arrow``: the handoff alone, the array
  already made (a ``Buffer`` of each backend, made outside the timed code): ``numpy.asarray``,
  ``numpy.from_dlpack`` and ``pyarrow.array`` over it. Anchors of ``handoff:numpy``, moving
  a NumPy array of the same values: ``numpy.array(copy=True)``, pickle protocol 4 (dumps and
  loads), protocol 5 with out-of-band buffers (in one process: no copy), and
  ``multiprocessing.shared_memory`` to a second process (copied into a segment, attached
  there as an array, its first and last values read back as the proof).
- ``handoff:rss``: the memory of the handoff: a zero-copy handoff adds nothing, a copy the array.
- ``generate_list``, ``generate_bytes``: the copies, for contrast.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import pickle
import time
from collections.abc import Callable
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Any

import numpy

from ffibench.pure import buffers as spec
from ffibench.scenarios import Anchor, Operation, Scenario, Work

#: Array sizes in bytes: 1 MiB to 256 MiB, and those of ``--quick``. The goals were set at
#: 1 GiB, but every measuring process makes its own array: at 1 GiB two benchmarks took seven
#: minutes of a run that must fit in an hour, and 256 MiB (65,536 pages to touch, far beyond
#: any cache) shows the same things: a handoff that does not grow with the array, and a
#: generator bound by first touch and memory bandwidth.
MIB = 1 << 20
SIZES = (MIB, 32 * MIB, 256 * MIB)
QUICK_SIZES = (MIB, 32 * MIB)
#: Lists of a gigabyte of floats would take 5 GB of Python objects: lists stop at 32 MiB.
LIST_SIZES = (MIB, 32 * MIB)
QUICK_LIST_SIZES = (MIB,)
SEED = 20_261_202
DTYPE = "float64"


def _count(size: int | None) -> int:
    assert size is not None
    return size // spec.ITEMSIZE[DTYPE]


def _generate_args(size: int | None) -> tuple[Any, ...]:
    return (_count(size), DTYPE, SEED)


def _bytes(size: int | None) -> float:
    assert size is not None
    return float(size)


def _with_consumer(consumer: Callable[[Any], Any]) -> Any:
    """The setup of a handoff: the participant's ``Buffer`` made, and the consumer beside it
    (the timed code is ``a1(a0)``: ``numpy.asarray(buffer)``)."""

    def setup(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
        return function(*args), consumer

    return setup


def _source_array(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """An anchor's input: a NumPy array of the values, made (fast) by the PyO3 backend where
    it is built, else by the spec. Who made it does not matter to the anchor: it moves it."""
    generate: Callable[..., Any] = spec.generate
    with contextlib.suppress(ImportError):
        from ffibench._native.buffers import generate
    return (generate(*args),)


def _arrow(buffer: Any) -> Any:
    import pyarrow

    return pyarrow.array(buffer)


# -- anchors ---------------------------------------------------------------------------------


def numpy_normals(n: int, dtype: str, seed: int) -> Any:
    """NumPy's own normals into a new array (PCG64 and the ziggurat: other values)."""
    return numpy.random.default_rng(seed).standard_normal(n, dtype=numpy.dtype(dtype))


def numpy_copy(array: Any) -> Any:
    """A copy of the array: what a consumer that does not trust the producer's memory makes."""
    return numpy.array(array, copy=True)


def pickle4(array: Any) -> Any:
    """Pickle protocol 4 there and back: the bytes of the array copied into the pickle, then
    into a new array."""
    return pickle.loads(pickle.dumps(array, protocol=4))


def pickle5_out_of_band(array: Any) -> Any:
    """Pickle protocol 5 with out-of-band buffers: the array's memory travels beside the
    pickle as a ``PickleBuffer`` (here in one process: no copy at all)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(array, protocol=5, buffer_callback=buffers.append)
    return pickle.loads(data, buffers=buffers)


def _receive(connection: Connection) -> None:
    """The second process: attaches to each segment named, reads it as an array, answers its
    length, first and last values."""
    while True:
        try:
            name, dtype, count = connection.recv()
        except EOFError:
            return
        # Python 3.11 registers an attached segment with the resource tracker as if it had made
        # it. A spawned child shares its parent's tracker, where the creator's registration
        # already stands: unregistering here would take that away, and the creator's unlink
        # would then make the tracker print a KeyError. So the child leaves it alone.
        segment = shared_memory.SharedMemory(name=name)
        array = numpy.ndarray((count,), dtype=dtype, buffer=segment.buf)
        answer = (count, array[:1].tolist(), array[-1:].tolist())
        del array
        segment.close()
        connection.send(answer)


@functools.cache
def _receiver() -> Connection:
    """A pipe to the second process, started once per measuring process; it ends with the
    pipe (EOF) or, a daemon, with this process."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_receive, args=(theirs,), daemon=True)
    process.start()
    theirs.close()
    return ours


def shared_memory_handoff(array: Any) -> tuple[int, list[Any], list[Any]]:
    """The array copied into a new ``multiprocessing.shared_memory`` segment, which a second
    process attaches to as a NumPy array; the answer is what that process read (length, first
    and last values). The segment is unlinked once it has answered."""
    connection = _receiver()
    segment = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
    try:
        numpy.ndarray(array.shape, dtype=array.dtype, buffer=segment.buf)[:] = array
        connection.send((segment.name, array.dtype.str, array.size))
        answer: tuple[int, list[Any], list[Any]] = connection.recv()
    finally:
        segment.close()
        segment.unlink()
    return answer


def _as_array(value: object) -> Any:
    """A reference answer as an array: a list (``generate_list``'s) or bytes
    (``generate_bytes``') of float64 values, or anything NumPy reads (a pyarrow array)."""
    if isinstance(value, list):
        return numpy.array(value, dtype=DTYPE)
    if isinstance(value, bytes):
        return numpy.frombuffer(value, dtype=DTYPE)
    return numpy.asarray(value)


def _same(result: object, expected: object) -> bool:
    """A backend's answer: of the reference's type (an ndarray, a list, bytes, a pyarrow
    array), with the spec's values to its tolerance."""
    return type(result) is type(expected) and spec.same_values(result, _as_array(expected))


def _same_moved(result: object, expected: object) -> bool:
    """An anchor's answer: an array of the values, or the shared-memory anchor's proof (the
    length, first and last values that the second process read)."""
    values = _as_array(expected)
    if isinstance(result, tuple):
        count, first, last = result
        ends = numpy.array([*first, *last], dtype=values.dtype)
        return bool(count == values.size) and spec.same_values(ends, values[[0, -1]])
    return spec.same_values(result, values)


def _same_kind(result: object, expected: object) -> bool:
    """NumPy's normals are other values: the same dtype and length, every one finite."""
    return (
        isinstance(result, numpy.ndarray)
        and isinstance(expected, numpy.ndarray)
        and result.dtype == expected.dtype
        and result.shape == expected.shape
        and bool(numpy.isfinite(result).all())
    )


# -- the machine's copy bandwidth -------------------------------------------------------------

#: The array copied to measure the bandwidth: well beyond any cache.
BANDWIDTH_BYTES = 256 * MIB


def measure_machine() -> dict[str, dict[str, Any]]:
    """The run's ``meta["measured"]`` entry of this scenario: the memory copy bandwidth in
    GB/s, the bytes one ``numpy.copyto`` of 256 MiB moves per second into pages already
    touched (best of five), so that a generation rate reads as a share of what memory allows."""
    source = numpy.ones(BANDWIDTH_BYTES // 8)
    target = numpy.zeros_like(source)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        numpy.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return {
        "copy_bandwidth": {
            "value": round(BANDWIDTH_BYTES / best / 1e9, 2),
            "unit": "GB/s",
            "label": "memory copy bandwidth (numpy.copyto of 256 MiB, pages touched, one core)",
        }
    }


def _operations() -> tuple[Operation, ...]:
    work = Work(amount=_bytes, unit="bytes")
    handoff = {"statement": "a1(a0)", "function": "Buffer", "size_unit": "bytes"}
    return (
        Operation(
            "generate",
            "make n float64 normals and hand them to NumPy (allocation, first touch, filling)",
            _generate_args,
            sizes=SIZES,
            quick_sizes=QUICK_SIZES,
            size_unit="bytes",
            compare=_same,
            anchor_compare=_same_kind,
            work=work,
        ),
        Operation(
            "generate:rss",
            "the memory of generate in a fresh process: peak above the start, left after",
            _generate_args,
            sizes=(32 * MIB, 256 * MIB),
            quick_sizes=(32 * MIB,),
            size_unit="bytes",
            function="generate",
            compare=_same,
            anchor_compare=_same_kind,
            kind="memory",
        ),
        Operation(
            "handoff:numpy",
            "numpy.asarray(buffer): the array already made, handed over with no copy",
            _generate_args,
            sizes=(MIB, 256 * MIB),
            quick_sizes=(MIB,),
            compare=_same,
            anchor_compare=_same_moved,
            setup=_with_consumer(numpy.asarray),
            anchor_setup=_source_array,
            **handoff,  # type: ignore[arg-type]
        ),
        Operation(
            "handoff:dlpack",
            "numpy.from_dlpack(buffer): the handoff through a DLPack capsule",
            _generate_args,
            sizes=(MIB, 256 * MIB),
            quick_sizes=(MIB,),
            compare=_same,
            setup=_with_consumer(numpy.from_dlpack),
            **handoff,  # type: ignore[arg-type]
        ),
        Operation(
            "handoff:arrow",
            "pyarrow.array(buffer): the handoff through Arrow's PyCapsule interface",
            _generate_args,
            sizes=(MIB, 256 * MIB),
            quick_sizes=(MIB,),
            compare=_same,
            setup=_with_consumer(_arrow),
            **handoff,  # type: ignore[arg-type]
        ),
        Operation(
            "handoff:rss",
            "the memory of handoff:numpy in a fresh process: a zero-copy handoff adds nothing",
            _generate_args,
            sizes=(32 * MIB, 256 * MIB),
            quick_sizes=(32 * MIB,),
            compare=_same,
            anchor_compare=_same_moved,
            setup=_with_consumer(numpy.asarray),
            anchor_setup=_source_array,
            kind="memory",
            **handoff,  # type: ignore[arg-type]
        ),
        Operation(
            "generate_list",
            "the values as a list of floats: a copy into Python objects, for contrast",
            _generate_args,
            sizes=LIST_SIZES,
            quick_sizes=QUICK_LIST_SIZES,
            size_unit="bytes",
            compare=_same,
            work=work,
        ),
        Operation(
            "generate_bytes",
            "the values as bytes: made, then copied into a bytes object, for contrast",
            _generate_args,
            sizes=SIZES,
            quick_sizes=(MIB,),
            size_unit="bytes",
            compare=_same,
            work=work,
        ),
    )


_MOVES = ("handoff:numpy", "handoff:rss")

SCENARIO = Scenario(
    name="buffers",
    title="Buffers: a large Rust array handed to NumPy, DLPack and Arrow",
    question="What does handing a big array across cost: zero copy, a copy, pickle, "
    "shared memory — in time and in memory?",
    operations=_operations(),
    anchors=(
        Anchor(
            "numpy",
            "numpy.random.default_rng(seed).standard_normal(n): NumPy's own normals",
            {"generate": numpy_normals, "generate:rss": numpy_normals},
        ),
        Anchor("numpy:copy", "numpy.array(array, copy=True)", dict.fromkeys(_MOVES, numpy_copy)),
        Anchor(
            "pickle:4",
            "pickle.loads(pickle.dumps(array, protocol=4))",
            dict.fromkeys(_MOVES, pickle4),
        ),
        Anchor(
            "pickle:5-oob",
            "pickle protocol 5 with out-of-band buffers (buffer_callback, buffers=)",
            dict.fromkeys(_MOVES, pickle5_out_of_band),
        ),
        Anchor(
            "shared_memory",
            "multiprocessing.shared_memory: copied into a segment a second process attaches to",
            dict.fromkeys(_MOVES, shared_memory_handoff),
        ),
    ),
)
