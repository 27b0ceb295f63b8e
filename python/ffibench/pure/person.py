"""Scenario 2, ``person``: the specification of the Person record and the Payroll table.

Person
    ``Person(name, age, salary)`` with readable and writable fields. Every write, the
    constructor's included, is checked and a rejected write leaves the object unchanged:
    ``name`` a ``str`` (``TypeError`` otherwise) of 1 to :data:`NAME_MAX_CHARS` code points
    (``ValueError``; a lone surrogate: ``UnicodeEncodeError``, as in scenario 1); ``age`` an int
    (``__index__``; ``TypeError`` otherwise) in ``0 ..= AGE_MAX`` (``ValueError``; beyond 64 bits
    ``OverflowError``); ``salary`` a real number (as ``float()`` takes a number; ``TypeError``
    otherwise), finite and ``>= 0`` (``ValueError``). The constructor converts all three
    arguments (type errors) before it checks any value. Fields cannot be deleted
    (``AttributeError``) and there are no others. Two persons are equal when their three
    fields are; a person is not hashable (it is mutable). ``repr`` is
    ``Person(name='Ada', age=36, salary=5200.0)``.
PersonRecord
    ``PersonRecord(name, age, salary)``: the same fields, converted and checked as a Person's
    constructor does, then read-only: setting or deleting any attribute raises
    ``AttributeError``. Built for reads (a field read is a ``__slots__`` read). Equal when the
    three fields are; hashable, as ``hash((name, age, salary))``. ``repr`` is
    ``PersonRecord(name='Ada', age=36, salary=5200.0)``; copies and pickles are new records.
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

import heapq
import math
import operator
from collections.abc import Callable, Iterator
from typing import Any

from ffibench.pure.arrays import draw, pairwise_sum
from ffibench.pure.basic import as_f64, check_str, shown_int

__all__ = ["AGE_MAX", "NAMES", "NAME_MAX_CHARS", "Payroll", "Person", "PersonRecord"]

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


def convert_name(value: object) -> str:
    """``value`` if it is a str UTF-8 can encode (``TypeError``, ``UnicodeEncodeError``)."""
    return check_str(value, "name")


def convert_age(value: object) -> int:
    """``value`` as a signed 64-bit int (``TypeError``, ``OverflowError``); not range-checked."""
    try:
        age = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"age must be an integer, not {type(value).__name__}") from None
    if not -(2**63) <= age < 2**63:
        raise OverflowError(f"age = {shown_int(age)} is out of the signed 64-bit range")
    return age


def convert_salary(value: object) -> float:
    """``value`` as a float (``TypeError``); not range-checked."""
    return as_f64(value, "salary")


def _check_name(name: str) -> str:
    if not 1 <= len(name) <= NAME_MAX_CHARS:
        raise ValueError(f"name must have 1 to {NAME_MAX_CHARS} characters, not {len(name)}")
    return name


def _check_age(age: int) -> int:
    if not 0 <= age <= AGE_MAX:
        raise ValueError(f"age must be in 0..={AGE_MAX}, not {age}")
    return age


def _check_salary(salary: float) -> float:
    if not (math.isfinite(salary) and salary >= 0.0):
        raise ValueError(f"salary must be finite and >= 0, not {salary!r}")
    return salary


#: Each field's conversion (``TypeError``, ``OverflowError``) and value check (``ValueError``).
_FIELDS: dict[str, tuple[Callable[[object], Any], Callable[[Any], object]]] = {
    "name": (convert_name, _check_name),
    "age": (convert_age, _check_age),
    "salary": (convert_salary, _check_salary),
}


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
        # Every type first, then every value: the order in which the Rust backends fail too.
        # Nothing is set until everything passed: a failing __init__ changes nothing.
        checked = checked_fields(name, age, salary)
        object.__setattr__(self, "name", checked[0])
        object.__setattr__(self, "age", checked[1])
        object.__setattr__(self, "salary", checked[2])

    def __setattr__(self, field: str, value: object) -> None:
        if field not in _FIELDS:
            raise AttributeError(f"'Person' object has no attribute {field!r}")
        convert, check = _FIELDS[field]
        object.__setattr__(self, field, check(convert(value)))

    def __delattr__(self, field: str) -> None:
        raise AttributeError(f"cannot delete the field {field!r} of a Person")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Person):
            return NotImplemented
        return (self.name, self.age, self.salary) == (other.name, other.age, other.salary)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return person_repr(self.name, self.age, self.salary)

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles are new persons made from the fields (and checked again)."""
        return (type(self), (self.name, self.age, self.salary))


def checked_fields(name: object, age: object, salary: object) -> tuple[str, int, float]:
    """The three fields converted (every type first) and then checked, as the constructors do."""
    converted = (convert_name(name), convert_age(age), convert_salary(salary))
    return (_check_name(converted[0]), _check_age(converted[1]), _check_salary(converted[2]))


class PersonRecord:
    """A read-only person: the fields are checked once, when it is made, and never change.

    Made in ``__new__``, so no second ``__init__`` can change it; reads are ``__slots__``
    reads, which CPython turns into one memory load.

    Examples
    --------
    >>> ada = PersonRecord("Ada", 36, 5200)
    >>> ada.salary, ada == PersonRecord("Ada", 36, 5200.0), hash(ada) == hash(("Ada", 36, 5200.0))
    (5200.0, True, True)
    >>> ada.age = 37
    Traceback (most recent call last):
    ...
    AttributeError: a PersonRecord is read-only: cannot set 'age'
    """

    __slots__ = ("age", "name", "salary")
    name: str
    age: int
    salary: float

    def __new__(cls, name: str, age: int, salary: float) -> PersonRecord:
        fields = checked_fields(name, age, salary)
        record = object.__new__(cls)
        for field, value in zip(("name", "age", "salary"), fields, strict=True):
            object.__setattr__(record, field, value)
        return record

    def __setattr__(self, field: str, value: object) -> None:
        raise AttributeError(f"a PersonRecord is read-only: cannot set {field!r}")

    def __delattr__(self, field: str) -> None:
        raise AttributeError(f"a PersonRecord is read-only: cannot delete {field!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PersonRecord):
            return NotImplemented
        return (self.name, self.age, self.salary) == (other.name, other.age, other.salary)

    def __hash__(self) -> int:
        return hash((self.name, self.age, self.salary))

    def __repr__(self) -> str:
        return f"PersonRecord(name={self.name!r}, age={self.age!r}, salary={self.salary!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.name, self.age, self.salary))


def person_repr(name: str, age: int, salary: float) -> str:
    """``Person(name='Ada', age=36, salary=5200.0)``: the repr of every backend's Person."""
    return f"Person(name={name!r}, age={age!r}, salary={salary!r})"


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
        count, stream = check_count(n, "n"), check_seed(seed)
        payroll = cls()
        payroll._persons = [generated_person(stream, index) for index in range(count)]
        return payroll

    def __len__(self) -> int:
        return len(self._persons)

    def __getitem__(self, index: int) -> Person:
        """A copy of the person at ``index`` (negative from the end); ``IndexError`` outside."""
        person = self._persons[resolve_index(index, len(self._persons))]
        return Person(person.name, person.age, person.salary)

    def __iter__(self) -> Iterator[Person]:
        return (self[index] for index in range(len(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles are new tables: ``Payroll()``, then the rows as state."""
        return (type(self), (), [(p.name, p.age, p.salary) for p in self._persons])

    def __setstate__(self, rows: list[tuple[str, int, float]]) -> None:
        for row in rows:
            self.append(Person(*row))

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
        size = check_width(width)
        bands: dict[int, list[float]] = {}
        for person in self._persons:
            bands.setdefault(person.age // size * size, []).append(person.salary)
        return {start: pairwise_sum(bands[start]) / len(bands[start]) for start in sorted(bands)}

    def give_raise(self, percent: float, min_age: int) -> int:
        """Multiply the salary of everyone aged ``min_age`` or more by ``1 + percent / 100``;
        return how many. ``percent`` finite and ``>= -100``; a salary that would overflow raises
        ``ValueError`` and changes nothing."""
        rate, threshold = convert_raise(percent, min_age)
        if not (math.isfinite(rate) and rate >= -100.0):
            raise ValueError(f"percent must be finite and >= -100, not {rate!r}")
        factor = 1.0 + rate / 100.0
        chosen = [person for person in self._persons if person.age >= threshold]
        raised = [person.salary * factor for person in chosen]
        if not all(math.isfinite(salary) for salary in raised):
            raise ValueError("give_raise: a salary would overflow; nothing was changed")
        for person, salary in zip(chosen, raised, strict=True):
            object.__setattr__(person, "salary", salary)
        return len(chosen)

    def top_earners(self, k: int) -> list[Person]:
        """Copies of the ``k`` best-paid persons, best first; ties keep table order.

        ``heapq.nlargest`` is ``sorted(..., reverse=True)[:k]`` (stable) without the full sort.
        """
        count = check_count(k, "k")
        persons = self._persons
        best = heapq.nlargest(count, range(len(persons)), key=lambda i: persons[i].salary)
        return [self[index] for index in best]

    def ages(self) -> Any:
        """Every age, in table order, as a NumPy int64 array.

        Here a copy: Python holds no array to share. The Rust backends return a read-only view
        of their own column instead (no copy), which keeps the payroll alive, shows later raises,
        and forbids ``append`` (``BufferError``) while it exists; see :meth:`salaries`.
        """
        import numpy

        return numpy.array([person.age for person in self._persons], dtype=numpy.int64)

    def salaries(self) -> Any:
        """Every salary, in table order, as a NumPy float64 array.

        Here a copy. The Rust backends hand out a read-only view of their salary column: it
        keeps the payroll alive, shows the effect of a later ``give_raise`` (a copy would not),
        and while any such view exists ``append`` raises ``BufferError``, as ``bytearray`` does
        while exported, since growing the column could move it. Copy the view
        (``numpy.array(view)``) to keep the values and free the payroll.
        """
        import numpy

        return numpy.array([person.salary for person in self._persons], dtype=numpy.float64)


# The argument conversions every backend shares; the C-ABI wrappers call them before the
# library, as PyO3's argument extraction does before the core.


def check_count(value: object, name: str) -> int:
    """``value`` as a count: an int, ``ValueError`` below 0, ``OverflowError`` from ``2**63``."""
    count = operator.index(value)  # type: ignore[arg-type]
    if count < 0:
        raise ValueError(f"{name} must be >= 0, not {shown_int(count)}")
    if count >= 2**63:
        raise OverflowError(f"{name} = {shown_int(count)} does not fit a signed 64-bit integer")
    return count


def check_seed(value: object) -> int:
    """``value`` as a seed: an int in ``0 .. 2**64 - 1`` (``OverflowError`` outside)."""
    seed = operator.index(value)  # type: ignore[arg-type]
    if not 0 <= seed < 2**64:
        raise OverflowError(f"seed = {shown_int(seed)} is not in 0 .. 2**64 - 1")
    return seed


def check_width(value: object) -> int:
    """``value`` as a band width: ``ValueError`` below 1, ``OverflowError`` from ``2**63``."""
    width = operator.index(value)  # type: ignore[arg-type]
    if width >= 2**63:
        raise OverflowError(f"width = {shown_int(width)} does not fit a signed 64-bit integer")
    if width < 1:
        raise ValueError(f"width must be >= 1, not {shown_int(width)}")
    return width


def convert_raise(percent: object, min_age: object) -> tuple[float, int]:
    """``give_raise``'s arguments as ``(float, signed 64-bit int)``; values not checked."""
    rate = as_f64(percent, "percent")
    threshold = operator.index(min_age)  # type: ignore[arg-type]
    if not -(2**63) <= threshold < 2**63:
        raise OverflowError(f"min_age = {shown_int(threshold)} is out of the signed 64-bit range")
    return rate, threshold


def resolve_index(index: object, length: int) -> int:
    """``index`` (negative from the end) as a position in ``0 .. length - 1``; ``IndexError``
    outside, ``TypeError`` for a non-int (a slice too)."""
    position = operator.index(index)  # type: ignore[arg-type]
    if not -length <= position < length:
        raise IndexError(f"payroll index {shown_int(position)} out of range for {length} persons")
    return position + length if position < 0 else position
