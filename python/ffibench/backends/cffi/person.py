"""Scenario 2 through the C ABI with cffi (ABI mode): a cdata view of the ``#[repr(C)]`` person.

A :class:`Person` holds an ``ffibench_person`` allocated by cffi (``ffi.new``): reading
``age`` or ``salary`` reads the struct's field, reading ``name`` decodes the library-owned UTF-8
it points to. Writes convert the value as the spec does, then call ``ffibench_person_set_*``,
where the Rust core checks it. The name belongs to the library and is freed exactly once, by
``ffibench_person_free`` when the Person dies.

:class:`Payroll` wraps an opaque ``ffibench_payroll *``. ``ages()`` and ``salaries()`` wrap
the library's own column in a read-only NumPy array (no copy); the array keeps the Payroll
alive, and while any such array exists ``append`` raises ``BufferError`` (growing the column
would move it under the array).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy

from ffibench.backends.cffi._library import fail as _fail
from ffibench.backends.cffi._library import ffi, lib
from ffibench.pure.person import (
    AGE_MAX,
    check_count,
    check_seed,
    check_width,
    convert_age,
    convert_name,
    convert_raise,
    convert_salary,
    person_repr,
    resolve_index,
)

__all__ = ["Payroll", "Person"]

#: ``FFIBENCH_PAYROLL_BANDS_MAX``: one band per age at most.
_BANDS_MAX = AGE_MAX + 1


def _check(status: int) -> None:
    if status:
        raise _fail(status)


class Person:
    """A person over an ``ffibench_person`` cdata (see :class:`ffibench.pure.person.Person`).

    Examples
    --------
    >>> ada = Person("Ada", 36, 5200.0)
    >>> ada.age += 1
    >>> ada
    Person(name='Ada', age=37, salary=5200.0)
    """

    __slots__ = ("_struct",)
    _struct: Any

    def __init__(self, name: str, age: int, salary: float) -> None:
        data = convert_name(name).encode("utf-8")
        years, pay = convert_age(age), convert_salary(salary)
        struct = ffi.new("ffibench_person *")
        _check(lib.ffibench_person_new(data, len(data), years, pay, struct))
        self._struct = struct

    @classmethod
    def _adopt(cls, struct: Any) -> Person:
        """A Person taking over ``struct``, a person the library just wrote (and its name)."""
        person = object.__new__(cls)
        person._struct = struct
        return person

    def __del__(self) -> None:
        struct = getattr(self, "_struct", None)
        if struct is not None:  # None when __init__ failed before the library made it
            lib.ffibench_person_free(struct)

    @property
    def name(self) -> str:
        name = self._struct.name
        return ffi.unpack(name.ptr, name.len).decode("utf-8")

    @name.setter
    def name(self, value: str) -> None:
        data = convert_name(value).encode("utf-8")
        _check(lib.ffibench_person_set_name(self._struct, data, len(data)))

    @property
    def age(self) -> int:
        return self._struct.age

    @age.setter
    def age(self, value: int) -> None:
        _check(lib.ffibench_person_set_age(self._struct, convert_age(value)))

    @property
    def salary(self) -> float:
        return self._struct.salary

    @salary.setter
    def salary(self, value: float) -> None:
        _check(lib.ffibench_person_set_salary(self._struct, convert_salary(value)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Person):
            return NotImplemented
        mine, theirs = self._struct, other._struct
        return (mine.age, mine.salary, self.name) == (theirs.age, theirs.salary, other.name)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return person_repr(self.name, self.age, self.salary)

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy or a pickle is a new person with its own name: never a second owner of this
        # struct (the default copy would share it, and both owners would free the name).
        return (type(self), (self.name, self.age, self.salary))


class _ColumnKeeper:
    """Hangs on a column view's cdata: keeps the Payroll alive and counts the view."""

    __slots__ = ("_payroll",)

    def __init__(self, payroll: Payroll) -> None:
        payroll._views += 1
        self._payroll: Payroll | None = payroll

    def release(self, _cdata: object) -> None:
        """Called by cffi when the last array over the column is gone."""
        if self._payroll is not None:
            self._payroll._views -= 1
            self._payroll = None


class Payroll:
    """Many persons, held by the library (see :class:`ffibench.pure.person.Payroll`).

    Examples
    --------
    >>> payroll = Payroll.generate(1000, 7)
    >>> len(payroll), payroll[0] == Payroll.generate(1, 7)[0]
    (1000, True)
    """

    __slots__ = ("_handle", "_views")

    def __init__(self) -> None:
        self._views = 0
        out = ffi.new("ffibench_payroll **")
        _check(lib.ffibench_payroll_new(out))
        self._handle = out[0]

    @classmethod
    def generate(cls, n: int, seed: int) -> Payroll:
        """``n`` generated persons; the same table as every backend's for the same ``seed``."""
        count, stream = check_count(n, "n"), check_seed(seed)
        out = ffi.new("ffibench_payroll **")
        _check(lib.ffibench_payroll_generate(count, stream, out))
        payroll = object.__new__(cls)
        payroll._views = 0
        payroll._handle = out[0]
        return payroll

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            lib.ffibench_payroll_free(handle)

    def __len__(self) -> int:
        length = ffi.new("size_t *")
        _check(lib.ffibench_payroll_len(self._handle, length))
        return length[0]

    def __getitem__(self, index: int) -> Person:
        struct = ffi.new("ffibench_person *")
        _check(lib.ffibench_payroll_get(self._handle, resolve_index(index, len(self)), struct))
        return Person._adopt(struct)

    def __iter__(self) -> Iterator[Person]:
        return (self[index] for index in range(len(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        # A new table from the rows: the default copy would share the handle, and both
        # Payrolls would free it (a double free).
        return (type(self), (), [(p.name, p.age, p.salary) for p in self])

    def __setstate__(self, rows: list[tuple[str, int, float]]) -> None:
        for row in rows:
            self.append(Person(*row))

    def append(self, person: Person) -> None:
        """Add a copy of ``person`` at the end; ``BufferError`` while column views exist."""
        if not isinstance(person, Person):
            raise TypeError(f"person must be a Person, not {type(person).__name__}")
        if self._views:
            raise BufferError(
                "cannot append to a Payroll while NumPy views of its columns exist: "
                "delete them, or copy them with numpy.array(view), first"
            )
        _check(lib.ffibench_payroll_append(self._handle, person._struct))

    def total_salary(self) -> float:
        """The pairwise sum of every salary; 0.0 when empty."""
        total = ffi.new("double *")
        _check(lib.ffibench_payroll_total_salary(self._handle, total))
        return total[0]

    def mean_salary_by_age_band(self, width: int) -> dict[int, float]:
        """``{band start: mean salary}`` over the age bands that hold someone, ascending."""
        size = check_width(width)
        starts = ffi.new("int64_t[]", _BANDS_MAX)
        means = ffi.new("double[]", _BANDS_MAX)
        count = ffi.new("size_t *")
        function = lib.ffibench_payroll_mean_salary_by_age_band
        _check(function(self._handle, size, starts, means, _BANDS_MAX, count))
        found = count[0]
        return dict(zip(ffi.unpack(starts, found), ffi.unpack(means, found), strict=True))

    def give_raise(self, percent: float, min_age: int) -> int:
        """Raise everyone aged ``min_age`` or more by ``percent``; how many were raised."""
        rate, threshold = convert_raise(percent, min_age)
        raised = ffi.new("size_t *")
        _check(lib.ffibench_payroll_give_raise(self._handle, rate, threshold, raised))
        return raised[0]

    def top_earners(self, k: int) -> list[Person]:
        """Copies of the ``k`` best-paid persons, best first; ties keep table order."""
        wanted = min(check_count(k, "k"), len(self))
        slots, count = ffi.new("ffibench_person[]", wanted), ffi.new("size_t *")
        _check(lib.ffibench_payroll_top_earners(self._handle, wanted, slots, count))
        best = []
        for index in range(count[0]):
            # Each struct moves into its own Person, which frees its name once.
            struct = ffi.new("ffibench_person *")
            struct[0] = slots[index]
            best.append(Person._adopt(struct))
        return best

    def _view(self, lend: Any, element: str, dtype: Any) -> Any:
        pointer, length = ffi.new(f"{element} **"), ffi.new("size_t *")
        _check(lend(self._handle, pointer, length))
        if length[0] == 0:
            return numpy.empty(0, dtype=dtype)
        # The buffer holds `column`; when the last array over it goes, cffi calls `release`.
        column = ffi.gc(pointer[0], _ColumnKeeper(self).release)
        raw = ffi.buffer(column, length[0] * ffi.sizeof(element))
        return numpy.frombuffer(memoryview(raw).toreadonly(), dtype=dtype)

    def ages(self) -> Any:
        """The ages as a read-only int64 view of the library's column (no copy)."""
        return self._view(lib.ffibench_payroll_ages, "int64_t", numpy.int64)

    def salaries(self) -> Any:
        """The salaries as a read-only float64 view of the library's column (no copy)."""
        return self._view(lib.ffibench_payroll_salaries, "double", numpy.float64)
