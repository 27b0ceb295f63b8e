"""Scenario 2 through the C ABI with cffi (both modes): a cdata view of the ``#[repr(C)]`` person.

A :class:`Person` holds an ``ffibench_person`` allocated by cffi (``ffi.new``): reading
``age`` or ``salary`` reads the struct's field, reading ``name`` decodes the library-owned UTF-8
it points to. Writes convert the value as the spec does, then call ``ffibench_person_set_*``,
where the Rust core checks it. The name belongs to the library and is freed exactly once, by
``ffibench_person_free`` when the Person dies.

:class:`Payroll` wraps an opaque ``ffibench_payroll *``. ``ages()`` and ``salaries()`` wrap
the library's own column in a read-only NumPy array (no copy); the array keeps the Payroll
alive, and while any such array exists ``append`` raises ``BufferError`` (growing the column
would move it under the array).

cffi releases the GIL during every call, so two Python threads can be inside the library at
once: each Payroll serialises its calls with a lock, and each Person its name (a thread reading
the name while another replaces and frees it would read freed memory). Objects are made in
``__new__``, so calling ``__init__`` again cannot replace, and leak or free, what they own.
"""

from __future__ import annotations

from typing import Any

import numpy

from ffibench.backends._capi import utf8
from ffibench.backends._capi.person import (
    BANDS_MAX,
    PayrollMethods,
    PersonMethods,
    RecordMethods,
    struct_age,
    struct_salary,
)
from ffibench.pure.person import (
    check_count,
    check_seed,
    check_width,
    convert_age,
    convert_name,
    convert_raise,
    convert_salary,
    resolve_index,
)

from ._calls import DOUBLE_OUT, PAYROLL_OUT, PERSON, SIZE_OUT, check
from ._library import ffi, lib

__all__ = ["Payroll", "Person", "PersonRecord"]


class Person(PersonMethods):
    """A person over an ``ffibench_person`` cdata (see :class:`ffibench.pure.person.Person`).

    Examples
    --------
    >>> ada = Person("Ada", 36, 5200.0)
    >>> ada.age += 1
    >>> ada
    Person(name='Ada', age=37, salary=5200.0)
    """

    __slots__ = ("_lock", "_struct")
    _struct: Any
    _lock: Any
    _free_struct = staticmethod(lib.ffibench_person_free)

    def __new__(cls, name: str, age: int, salary: float) -> Person:
        data = utf8(convert_name(name))
        years, pay = convert_age(age), convert_salary(salary)
        struct = ffi.new(PERSON)
        check(lib.ffibench_person_new(data, len(data), years, pay, struct))
        return cls._adopt(struct)

    @property
    def name(self) -> str:
        with self._lock:
            name = self._live().name
            return ffi.unpack(name.ptr, name.len).decode("utf-8")

    @name.setter
    def name(self, value: str) -> None:
        data = utf8(convert_name(value))
        with self._lock:
            check(lib.ffibench_person_set_name(self._live(), data, len(data)))

    def _set_age(self, value: int) -> None:
        years = convert_age(value)
        with self._lock:
            check(lib.ffibench_person_set_age(self._live(), years))

    age = property(struct_age, _set_age)

    def _set_salary(self, value: float) -> None:
        pay = convert_salary(value)
        with self._lock:
            check(lib.ffibench_person_set_salary(self._live(), pay))

    salary = property(struct_salary, _set_salary)


class PersonRecord(RecordMethods):
    """A read-only person checked by the library, read at Python speed (see
    :class:`ffibench.pure.person.PersonRecord` and :class:`RecordMethods`).

    Examples
    --------
    >>> PersonRecord("Ada", 36, 5200.0).salary
    5200.0
    """

    __slots__ = ()
    person_type = Person


class Payroll(PayrollMethods):
    """Many persons, held by the library (see :class:`ffibench.pure.person.Payroll`).

    Examples
    --------
    >>> payroll = Payroll.generate(1000, 7)
    >>> len(payroll), payroll[0] == Payroll.generate(1, 7)[0]
    (1000, True)
    """

    __slots__ = ("_free_pending", "_handle", "_lock", "_views")
    _handle: Any
    person_type = Person
    _free_handle = staticmethod(lib.ffibench_payroll_free)
    _null_handle = ffi.NULL

    def __new__(cls) -> Payroll:
        out = ffi.new(PAYROLL_OUT)
        check(lib.ffibench_payroll_new(out))
        return cls._adopt(out[0])

    @classmethod
    def generate(cls, n: int, seed: int) -> Payroll:
        """``n`` generated persons; the same table as every backend's for the same ``seed``."""
        count, stream = check_count(n, "n"), check_seed(seed)
        out = ffi.new(PAYROLL_OUT)
        check(lib.ffibench_payroll_generate(count, stream, out))
        return cls._adopt(out[0])

    def __len__(self) -> int:
        length = ffi.new(SIZE_OUT)
        with self._lock:
            check(lib.ffibench_payroll_len(self._handle, length))
        return length[0]

    def __getitem__(self, index: int) -> Person:
        struct = ffi.new(PERSON)
        with self._lock:
            position = resolve_index(index, len(self))
            check(lib.ffibench_payroll_get(self._handle, position, struct))
        return Person._adopt(struct)

    def append(self, person: Person) -> None:
        """Add a copy of ``person`` at the end; ``BufferError`` while column views exist."""
        with self._lock:
            self._check_appendable(person)
            with person._lock:
                check(lib.ffibench_payroll_append(self._handle, person._live()))

    def total_salary(self) -> float:
        """The pairwise sum of every salary; 0.0 when empty."""
        total = ffi.new(DOUBLE_OUT)
        with self._lock:
            check(lib.ffibench_payroll_total_salary(self._handle, total))
        return total[0]

    def mean_salary_by_age_band(self, width: int) -> dict[int, float]:
        """``{band start: mean salary}`` over the age bands that hold someone, ascending."""
        size = check_width(width)
        starts = ffi.new("int64_t[]", BANDS_MAX)
        means = ffi.new("double[]", BANDS_MAX)
        count = ffi.new(SIZE_OUT)
        function = lib.ffibench_payroll_mean_salary_by_age_band
        with self._lock:
            check(function(self._handle, size, starts, means, BANDS_MAX, count))
        found = count[0]
        return dict(zip(ffi.unpack(starts, found), ffi.unpack(means, found), strict=True))

    def give_raise(self, percent: float, min_age: int) -> int:
        """Raise everyone aged ``min_age`` or more by ``percent``; how many were raised."""
        rate, threshold = convert_raise(percent, min_age)
        raised = ffi.new(SIZE_OUT)
        with self._lock:
            check(lib.ffibench_payroll_give_raise(self._handle, rate, threshold, raised))
        return raised[0]

    def top_earners(self, k: int) -> list[Person]:
        """Copies of the ``k`` best-paid persons, best first; ties keep table order."""
        with self._lock:
            wanted = min(check_count(k, "k"), len(self))
            slots, count = ffi.new("ffibench_person[]", wanted), ffi.new(SIZE_OUT)
            check(lib.ffibench_payroll_top_earners(self._handle, wanted, slots, count))
        best = []
        for index in range(count[0]):
            # Each struct moves into its own Person, which frees its name once.
            struct = ffi.new(PERSON)
            struct[0] = slots[index]
            best.append(Person._adopt(struct))
        return best

    def _lend(self, function: Any, element: str) -> tuple[int | None, int]:
        pointer, length = ffi.new(f"{element} **"), ffi.new(SIZE_OUT)
        with self._lock:
            check(function(self._handle, pointer, length))
        return int(ffi.cast("uintptr_t", pointer[0])) or None, length[0]

    def ages(self) -> Any:
        """The ages as a read-only int64 view of the library's column (no copy)."""
        return self._column(lib.ffibench_payroll_ages, "int64_t", numpy.int64)

    def salaries(self) -> Any:
        """The salaries as a read-only float64 view of the library's column (no copy)."""
        return self._column(lib.ffibench_payroll_salaries, "double", numpy.float64)
