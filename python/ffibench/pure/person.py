"""Scenario 2, ``person``: the specification of the Person record and the Payroll table.

Person
    ``Person(name, age, salary)`` with readable and writable fields. Every write, the
    constructor's included, is checked and a rejected write leaves the object unchanged:
    ``name`` a ``str`` (``TypeError`` otherwise) of 1 to :data:`NAME_MAX_CHARS` code points
    (``ValueError``; a lone surrogate: ``UnicodeEncodeError``, as in scenario 1); ``age`` an int
    (``__index__``; ``TypeError`` otherwise) in ``0 ..= AGE_MAX`` (``ValueError``; beyond 64 bits
    ``OverflowError``); ``salary`` a real number (as ``float()`` takes a number; ``TypeError``
    otherwise), finite and ``>= 0`` (``ValueError``). Two persons are equal when their three
    fields are. ``repr`` is ``Person(name='Ada', age=36, salary=5200.0)``.
Payroll
    A table of persons in insertion order. ``Payroll.generate(n, seed)`` makes ``n`` persons
    from the counter-based generator of scenario 3 (:func:`ffibench.pure.arrays.draw`): person
    ``i`` takes draws ``3i``, ``3i + 1`` and ``3i + 2`` of stream ``seed`` for its name
    (``NAMES[draw % len(NAMES)]``), its age (``18 + draw % 50``) and its salary in cents
    (``(200_000 + draw % 800_001) / 100``: 2000.00 to 10000.00, one correctly rounded division),
    so every backend makes the same table. Sums are NumPy's pairwise sums
    (:func:`ffibench.pure.arrays.pairwise_sum`), so every backend gives the same bits.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from typing import Any

from ffibench.pure.arrays import draw, pairwise_sum
from ffibench.pure.basic import as_f64, check_str

__all__ = ["AGE_MAX", "NAMES", "NAME_MAX_CHARS", "Payroll", "Person"]

NAME_MAX_CHARS = 256
AGE_MAX = 150
#: The first names of generated persons, mixed scripts on purpose (shared with the Rust core).
NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Anders", "Aroha", "Björk", "Chen", "Chiara", "Dagny",
    "Dmitri", "Eero", "Élodie", "Emeka", "Farah", "Gustav", "Hana", "Hiroshi", "Ingrid", "Isabel",
    "Jasper", "José", "Kalani", "Kofi", "Lale", "Laila", "Łukasz", "Mai", "Marek", "Mateo",
    "Mei", "Nadia", "Niamh", "Nikos", "Noor", "Olga", "Omar", "Priya", "Quentin", "Rafael",
    "Ravi", "Renée", "Rosa", "Saanvi", "Sakura", "Selin", "Siobhán", "Søren", "Tariq", "Thandi",
    "Tomás", "Uma", "Valentina", "Wei", "Xiadani", "Yara", "Yusuf", "Zanele", "Zoë", "Žofia",
    "Ngozi", "Kwame", "Ines", "Li Na",
)  # fmt: skip


def _check_name(value: object) -> str:
    name = check_str(value, "name")
    if not 1 <= len(name) <= NAME_MAX_CHARS:
        raise ValueError(f"name must have 1 to {NAME_MAX_CHARS} characters, not {len(name)}")
    return name


def _check_age(value: object) -> int:
    try:
        age = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"age must be an integer, not {type(value).__name__}") from None
    if not -(2**63) <= age < 2**63:
        raise OverflowError(f"age = {age} is out of the signed 64-bit range")
    if not 0 <= age <= AGE_MAX:
        raise ValueError(f"age must be in 0..={AGE_MAX}, not {age}")
    return age


def _check_salary(value: object) -> float:
    salary = as_f64(value, "salary")
    if not (math.isfinite(salary) and salary >= 0.0):
        raise ValueError(f"salary must be finite and >= 0, not {salary!r}")
    return salary


_CHECKS = {"name": _check_name, "age": _check_age, "salary": _check_salary}


class Person:
    """A person: ``name``, ``age``, ``salary``, each checked on every write.

    Reads are plain ``__slots__`` reads; writes go through ``__setattr__``'s check.

    Examples
    --------
    >>> ada = Person("Ada", 36, 5200.0)
    >>> ada.age += 1
    >>> ada
    Person(name='Ada', age=37, salary=5200.0)
    """

    __slots__ = ("age", "name", "salary")
    name: str
    age: int
    salary: float

    def __init__(self, name: str, age: int, salary: float) -> None:
        checked = (_check_name(name), _check_age(age), _check_salary(salary))
        object.__setattr__(self, "name", checked[0])
        object.__setattr__(self, "age", checked[1])
        object.__setattr__(self, "salary", checked[2])

    def __setattr__(self, field: str, value: object) -> None:
        check = _CHECKS.get(field)
        if check is None:
            raise AttributeError(f"'Person' object has no attribute {field!r}")
        object.__setattr__(self, field, check(value))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Person):
            return NotImplemented
        return (self.name, self.age, self.salary) == (other.name, other.age, other.salary)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return f"Person(name={self.name!r}, age={self.age!r}, salary={self.salary!r})"


def generated_person(seed: int, index: int) -> Person:
    """Person ``index`` of ``Payroll.generate(n, seed)``."""
    name = NAMES[draw(seed, 3 * index) % len(NAMES)]
    age = 18 + draw(seed, 3 * index + 1) % 50
    cents = 200_000 + draw(seed, 3 * index + 2) % 800_001
    return Person(name, age, cents / 100)


class Payroll:
    """Many persons, in insertion order.

    Examples
    --------
    >>> payroll = Payroll.generate(1000, 7)
    >>> len(payroll), payroll[0] == Payroll.generate(1, 7)[0]
    (1000, True)
    """

    __slots__ = ("_persons",)

    def __init__(self) -> None:
        self._persons: list[Person] = []

    @classmethod
    def generate(cls, n: int, seed: int) -> Payroll:
        """``n`` generated persons (see the module docstring); ``n >= 0``, ``0 <= seed < 2**64``."""
        count = _check_count(n, "n")
        stream = operator.index(seed)  # type: ignore[arg-type]
        if not 0 <= stream < 2**64:
            raise OverflowError(f"seed = {stream} is not in 0 .. 2**64 - 1")
        payroll = cls()
        payroll._persons = [generated_person(stream, index) for index in range(count)]
        return payroll

    def __len__(self) -> int:
        return len(self._persons)

    def __getitem__(self, index: int) -> Person:
        """A copy of the person at ``index`` (negative from the end); ``IndexError`` outside."""
        position = operator.index(index)
        if not -len(self._persons) <= position < len(self._persons):
            raise IndexError(f"payroll index {position} out of range for {len(self)} persons")
        person = self._persons[position]
        return Person(person.name, person.age, person.salary)

    def __iter__(self) -> Iterator[Person]:
        return (self[index] for index in range(len(self)))

    def append(self, person: Person) -> None:
        """Add a copy of ``person`` at the end; ``TypeError`` for anything but a Person."""
        if not isinstance(person, Person):
            raise TypeError(f"person must be a Person, not {type(person).__name__}")
        self._persons.append(Person(person.name, person.age, person.salary))

    def total_salary(self) -> float:
        """The pairwise sum of every salary; 0.0 for an empty payroll."""
        return pairwise_sum([person.salary for person in self._persons])

    def mean_salary_by_age_band(self, width: int) -> dict[int, float]:
        """``{band start: mean salary}`` over bands ``[k * width, (k + 1) * width)`` that hold
        someone, in ascending order; each mean is a pairwise sum over the band's persons in
        table order, divided by their count. ``width >= 1``."""
        size = _check_count(width, "width")
        if size < 1:
            raise ValueError(f"width must be >= 1, not {size}")
        bands: dict[int, list[float]] = {}
        for person in self._persons:
            bands.setdefault(person.age // size * size, []).append(person.salary)
        return {start: pairwise_sum(bands[start]) / len(bands[start]) for start in sorted(bands)}

    def give_raise(self, percent: float, min_age: int) -> int:
        """Multiply the salary of everyone aged ``min_age`` or more by ``1 + percent / 100``;
        return how many. ``percent`` finite and ``>= -100``; a salary that would overflow raises
        ``ValueError`` and changes nothing."""
        rate = as_f64(percent, "percent")
        if not (math.isfinite(rate) and rate >= -100.0):
            raise ValueError(f"percent must be finite and >= -100, not {rate!r}")
        threshold = _check_age_bound(min_age)
        factor = 1.0 + rate / 100.0
        chosen = [person for person in self._persons if person.age >= threshold]
        raised = [person.salary * factor for person in chosen]
        if not all(math.isfinite(salary) for salary in raised):
            raise ValueError("give_raise: a salary would overflow; nothing was changed")
        for person, salary in zip(chosen, raised, strict=True):
            object.__setattr__(person, "salary", salary)
        return len(chosen)

    def top_earners(self, k: int) -> list[Person]:
        """Copies of the ``k`` best-paid persons, best first; ties keep table order."""
        count = _check_count(k, "k")
        order = sorted(range(len(self._persons)), key=lambda i: -self._persons[i].salary)
        return [self[index] for index in order[:count]]

    def ages(self) -> Any:
        """Every age, as a NumPy int64 array (a copy: Python holds no array to share)."""
        import numpy

        return numpy.array([person.age for person in self._persons], dtype=numpy.int64)

    def salaries(self) -> Any:
        """Every salary, as a NumPy float64 array (a copy: Python holds no array to share)."""
        import numpy

        return numpy.array([person.salary for person in self._persons], dtype=numpy.float64)


def _check_count(value: object, name: str) -> int:
    count = operator.index(value)  # type: ignore[arg-type]
    if count < 0:
        raise ValueError(f"{name} must be >= 0, not {count}")
    if count >= 2**63:
        raise OverflowError(f"{name} = {count} does not fit a signed 64-bit integer")
    return count


def _check_age_bound(value: object) -> int:
    bound = operator.index(value)  # type: ignore[arg-type]
    if not -(2**63) <= bound < 2**63:
        raise OverflowError(f"min_age = {bound} is out of the signed 64-bit range")
    return bound
