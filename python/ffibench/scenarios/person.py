"""Scenario 2, ``person``: object access across the boundary vs Python objects; bulk work.

Two kinds of operation. On one ``Person`` (no size): construct it, read a field, write a
field. The timed code is exactly what a user writes (``p.salary``, ``p.salary = x``), run on a
person the participant made itself outside the timed region. On a ``Payroll`` of ``n``
persons: build ``n`` persons from Python rows, generate a payroll, and each bulk method; the
payroll is the participant's own, made from the same seed before timing.

A third kind, the record built for reads: ``PersonRecord``, checked once and read-only, whose
fields read as ``__slots__`` do (PyO3: a ``frozen`` class with ``Py<T>`` fields, served by
member descriptors; ctypes and cffi: the library checks, Python keeps the values).

Anchors: a ``dataclass(slots=True)`` Person (what a Python programmer writes when nothing is
checked) for the one-person operations, a ``dataclass(frozen=True, slots=True)`` for the
record, and a payroll of NumPy columns for the bulk methods.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy

from ffibench.pure.person import NAMES
from ffibench.pure.person import Person as SpecPerson
from ffibench.scenarios import Anchor, Operation, Scenario, close

#: Payroll sizes of a full run, and of ``--quick``: a thousand persons, where the boundary
#: still shows, and a million, where the bulk work dominates. Building a million persons from
#: Python rows takes seconds in every backend, so ``construct_n`` stops at 10^5.
SIZES = (1_000, 1_000_000)
CONSTRUCT_SIZES = (1_000, 100_000)
QUICK_SIZES = (1_000,)
SEED = 20_261_125
#: The arguments of the bulk methods: bands of ten years; a raise of a thousandth of a percent
#: for everyone 50 or older (small, so that millions of timed calls cannot overflow a salary);
#: the ten best paid.
BAND_WIDTH = 10
RAISE = (0.001, 50)
TOP = 10
#: How close the NumPy anchor's band means must be: ``bincount`` adds in table order, the
#: spec pairwise.
ANCHOR_RTOL = 1e-12
#: ``generate`` is checked on every age and salary and on the names of this many persons,
#: spread over the table (reading every name back through ctypes would take seconds).
NAME_SAMPLES = 1_000

ADA = ("Ada Lovelace", 36, 5200.0)


def record(value: object) -> object:
    """A backend's answer in plain Python terms, so that answers of different backends compare:
    a person as ``(name, age, salary)``, a payroll as its records, containers element-wise."""
    if isinstance(value, list | tuple):
        return [record(item) for item in value]
    if isinstance(value, dict):
        return {key: record(item) for key, item in value.items()}
    if isinstance(value, numpy.ndarray):
        return (str(value.dtype), value.tolist())
    if all(hasattr(value, field) for field in ("name", "age", "salary")):
        return (value.name, value.age, value.salary)  # type: ignore[attr-defined]
    return value


def same_records(result: object, expected: object) -> bool:
    """Equal after :func:`record`; types of fields included (an int age, a float salary)."""
    ours, theirs = record(result), record(expected)
    return ours == theirs and repr(ours) == repr(theirs)


def same_payroll(result: object, expected: object) -> bool:
    """Two payrolls of the same length, ages and salaries, and the same names where sampled."""
    if not all(hasattr(value, "salaries") for value in (result, expected)):
        return False
    length = len(expected)  # type: ignore[arg-type]
    if len(result) != length:  # type: ignore[arg-type]
        return False
    for column in ("ages", "salaries"):
        ours, theirs = getattr(result, column)(), getattr(expected, column)()
        if ours.dtype != theirs.dtype or not numpy.array_equal(ours, theirs):
            return False
    step = max(1, length // NAME_SAMPLES)
    positions = [*range(0, length, step), length - 1] if length else []
    return all(
        record(result[i]) == record(expected[i])  # type: ignore[index]
        for i in positions
    )


def same_bands(rtol: float) -> Callable[[object, object], bool]:
    """The same band starts in the same order, means within ``rtol``."""
    within = close(rtol)

    def compare(result: object, expected: object) -> bool:
        if not isinstance(result, dict) or not isinstance(expected, dict):
            return False
        if list(result) != list(expected):
            return False
        return all(within(result[key], expected[key]) for key in expected)

    return compare


def _columns(size: int, seed: int) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The generated table as NumPy columns (names, ages, salaries): the spec's draws,
    vectorised (``uint64`` arithmetic wraps, as SplitMix64 wants). Not cached: the NumPy
    anchor's ``generate`` is timed."""
    index = numpy.arange(size, dtype=numpy.uint64)

    def draw(offset: int) -> numpy.ndarray:
        golden, one = numpy.uint64(0x9E3779B97F4A7C15), numpy.uint64(1)
        counter = numpy.uint64(3) * index + numpy.uint64(offset)
        z = numpy.uint64(seed) + (counter + one) * golden
        z = (z ^ (z >> numpy.uint64(30))) * numpy.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> numpy.uint64(27))) * numpy.uint64(0x94D049BB133111EB)
        return z ^ (z >> numpy.uint64(31))

    with numpy.errstate(over="ignore"):
        names = numpy.array(NAMES)[(draw(0) % numpy.uint64(len(NAMES))).astype(numpy.intp)]
        ages = (draw(1) % numpy.uint64(50)).astype(numpy.int64) + 18
        cents = (draw(2) % numpy.uint64(800_001)).astype(numpy.int64) + 200_000
    return names, ages, cents / 100


@cache
def _rows(size: int) -> list[tuple[str, int, float]]:
    names, ages, salaries = _columns(size, SEED)
    return list(zip(names.tolist(), ages.tolist(), salaries.tolist(), strict=True))


class NumpyPayroll:
    """The anchor of the bulk methods: a payroll as NumPy columns, worked on by NumPy.

    Generated from the same draws as the spec's table, with the same answers, written as a
    NumPy programmer would: ``sum``, ``bincount`` per band, a masked multiply in place, a
    partition then a stable sort of the few candidates. The band means add in table order
    (``bincount``), so they are checked to a tolerance.
    """

    def __init__(self, names: numpy.ndarray, ages: numpy.ndarray, salaries: numpy.ndarray):
        self.names, self._ages, self._salaries = names, ages, salaries

    @classmethod
    def generate(cls, n: int, seed: int) -> NumpyPayroll:
        return cls(*_columns(n, seed))

    def __len__(self) -> int:
        return len(self._ages)

    def __getitem__(self, index: int) -> SpecPerson:
        return SpecPerson(
            str(self.names[index]), int(self._ages[index]), float(self._salaries[index])
        )

    def total_salary(self) -> float:
        return float(self._salaries.sum())

    def mean_salary_by_age_band(self, width: int) -> dict[int, float]:
        # Ages are small non-negative ints: a bincount per band, no sort.
        bands = self._ages // width
        sums = numpy.bincount(bands, weights=self._salaries)
        counts = numpy.bincount(bands)
        found = numpy.flatnonzero(counts)
        means = sums[found] / counts[found]
        return dict(zip((found * width).tolist(), means.tolist(), strict=True))

    def give_raise(self, percent: float, min_age: int) -> int:
        chosen = self._ages >= min_age
        factor = 1.0 + percent / 100.0
        largest = float(numpy.max(self._salaries, where=chosen, initial=0.0))
        if not math.isfinite(largest * factor):
            raise ValueError("give_raise: a salary would overflow; nothing was changed")
        numpy.multiply(self._salaries, factor, out=self._salaries, where=chosen)
        return int(numpy.count_nonzero(chosen))

    def top_earners(self, k: int) -> list[SpecPerson]:
        salaries = self._salaries
        if k < len(salaries):
            # Everyone paid at least the k-th best salary (ties included), in table order;
            # then a stable sort of those few keeps ties in table order.
            threshold = -numpy.partition(-salaries, k - 1)[k - 1] if k else numpy.inf
            candidates = numpy.flatnonzero(salaries >= threshold)
        else:
            candidates = numpy.arange(len(salaries))
        best = candidates[numpy.argsort(-salaries[candidates], kind="stable")[:k]]
        return [self[int(index)] for index in best]

    def ages(self) -> numpy.ndarray:
        return self._ages

    def salaries(self) -> numpy.ndarray:
        return self._salaries


@dataclasses.dataclass(slots=True)
class DataclassPerson:
    """The anchor of the one-person operations: a slots dataclass, nothing checked."""

    name: str
    age: int
    salary: float


@dataclasses.dataclass(frozen=True, slots=True)
class FrozenDataclassPerson:
    """The anchor of the read-only record: a frozen slots dataclass, nothing checked."""

    name: str
    age: int
    salary: float


def _one_person(size: int | None) -> tuple[Any, ...]:
    return ADA


def _person_and(value: object) -> Callable[[Callable[..., Any], tuple[Any, ...]], tuple[Any, ...]]:
    return lambda cls, args: (cls(*args), value)


def _payroll_args(*extra: object) -> Callable[[int | None], tuple[Any, ...]]:
    def make(size: int | None) -> tuple[Any, ...]:
        assert size is not None
        return (size, SEED, *extra)

    return make


def _with_payroll(cls: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The participant's own payroll of ``args[0]`` persons, then the method's arguments."""
    return (cls.generate(args[0], args[1]), *args[2:])  # type: ignore[attr-defined]


def _operations() -> tuple[Operation, ...]:
    one: dict[str, Any] = {"make_args": _one_person, "compare": same_records, "function": "Person"}
    operations = [
        Operation("construct", "Person(name, age, salary), every field checked", **one),
        Operation(
            "read:name",
            "read p.name (a str)",
            setup=lambda cls, args: (cls(*args),),
            statement="a0.name",
            **one,
        ),
        Operation(
            "read:salary",
            "read p.salary (a float)",
            setup=lambda cls, args: (cls(*args),),
            statement="a0.salary",
            **one,
        ),
        Operation(
            "write:name",
            "p.name = 'Grace Hopper', checked",
            setup=_person_and("Grace Hopper"),
            statement="a0.name = a1",
            result="a0.name",
            **one,
        ),
        Operation(
            "write:salary",
            "p.salary = 5300.0, checked",
            setup=_person_and(5300.0),
            statement="a0.salary = a1",
            result="a0.salary",
            **one,
        ),
    ]
    # The record built for reads: checked once, read-only, fields read as slots.
    frozen: dict[str, Any] = one | {"function": "PersonRecord"}
    operations += [
        Operation("record:construct", "PersonRecord(name, age, salary), checked once", **frozen),
        Operation(
            "record:read:name",
            "read r.name of a read-only record",
            setup=lambda cls, args: (cls(*args),),
            statement="a0.name",
            **frozen,
        ),
        Operation(
            "record:read:salary",
            "read r.salary of a read-only record",
            setup=lambda cls, args: (cls(*args),),
            statement="a0.salary",
            **frozen,
        ),
    ]
    sized: dict[str, Any] = {"sizes": SIZES, "quick_sizes": QUICK_SIZES, "size_unit": "persons"}
    operations += [
        Operation(
            "construct_n",
            "n persons from Python rows: [Person(*row) for row in rows]",
            make_args=lambda size: (_rows(size),),  # type: ignore[arg-type]
            function="Person",
            statement="[function(name, age, salary) for name, age, salary in a0]",
            compare=same_records,
            **(sized | {"sizes": CONSTRUCT_SIZES}),
        ),
        Operation(
            "generate",
            "Payroll.generate(n, seed): n persons made on the backend's side",
            make_args=_payroll_args(),
            function="Payroll",
            statement="function.generate(a0, a1)",
            compare=same_payroll,
            **sized,
        ),
    ]
    for method, what, extra, compare, anchor_compare in (
        ("total_salary", "the pairwise sum of the salaries", (), close(0.0), None),
        (
            "mean_salary_by_age_band",
            f"mean salary per {BAND_WIDTH}-year band, as a dict",
            (BAND_WIDTH,),
            same_bands(0.0),
            same_bands(ANCHOR_RTOL),
        ),
        ("give_raise", f"a {RAISE[0]}% raise from {RAISE[1]}, in place", RAISE, same_records, None),
        ("top_earners", f"the {TOP} best paid, as Persons", (TOP,), same_records, None),
        ("ages", "the age column as a NumPy array (a view where possible)", (), same_records, None),
        ("salaries", "the salary column as a NumPy array", (), same_records, None),
    ):
        arguments = ", ".join(f"a{index}" for index in range(1, len(extra) + 1))
        operations.append(
            Operation(
                method,
                f"payroll.{method}({', '.join(map(repr, extra))}): {what}",
                make_args=_payroll_args(*extra),
                function="Payroll",
                setup=_with_payroll,
                statement=f"a0.{method}({arguments})",
                compare=compare,
                anchor_compare=anchor_compare,
                **sized,
            )
        )
    return tuple(operations)


def _as_function(cls: type) -> Callable[..., Any]:
    """A class where the registry expects a function: the participant's constructor."""
    return cls


SCENARIO = Scenario(
    name="person",
    title="Person records and payroll tables",
    question="What does an object cost across the boundary, and when do bulk methods pay?",
    operations=_operations(),
    anchors=(
        Anchor(
            "python:dataclass",
            "@dataclass(slots=True) Person: plain slots, nothing checked",
            dict.fromkeys(
                (
                    "construct",
                    "read:name",
                    "read:salary",
                    "write:name",
                    "write:salary",
                    "construct_n",
                ),
                _as_function(DataclassPerson),
            ),
        ),
        Anchor(
            "python:frozen-dataclass",
            "@dataclass(frozen=True, slots=True) Person: read-only slots, nothing checked",
            dict.fromkeys(
                ("record:construct", "record:read:name", "record:read:salary"),
                _as_function(FrozenDataclassPerson),
            ),
        ),
        Anchor(
            "numpy",
            "a payroll of NumPy columns: sum, unique + bincount, masks, stable argsort",
            dict.fromkeys(
                (
                    "generate",
                    "total_salary",
                    "mean_salary_by_age_band",
                    "give_raise",
                    "top_earners",
                    "ages",
                    "salaries",
                ),
                _as_function(NumpyPayroll),
            ),
        ),
    ),
)

__all__ = ["SCENARIO", "DataclassPerson", "FrozenDataclassPerson", "NumpyPayroll"]
