"""Scenario 2 through the C ABI with ctypes: a ``Structure`` view of the ``#[repr(C)]`` person.

A :class:`Person` holds an ``ffibench_person`` struct in Python memory: reading ``age`` or
``salary`` reads the struct's field (no call into the library), reading ``name`` decodes the
library-owned UTF-8 it points to. Writes convert the value as the spec does, then call
``ffibench_person_set_*``, where the Rust core checks it. The name's memory belongs to the
library and is freed exactly once, by ``ffibench_person_free`` when the Person dies.

:class:`Payroll` wraps an opaque ``ffibench_payroll *``. ``ages()`` and ``salaries()`` wrap
the library's own column in a read-only NumPy array (no copy); the array keeps the Payroll
alive, and while any such array exists ``append`` raises ``BufferError`` (growing the column
would move it under the array).

ctypes releases the GIL during every call, so two Python threads can be inside the library at
once: each Payroll serialises its calls with a lock, and each Person its name (a thread reading
the name while another replaces and frees it would read freed memory). Objects are made in
``__new__``, so calling ``__init__`` again cannot replace, and leak or free, what they own.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint64, c_void_p
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
from ffibench.backends.ctypes._library import String, check, declare
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

__all__ = ["Payroll", "Person", "PersonRecord"]


class PersonStruct(ctypes.Structure):
    """``ffibench_person``: the name owned by the library, age and salary plain values."""

    _fields_ = (("name", String), ("age", c_int64), ("salary", c_double))


_PERSON = POINTER(PersonStruct)
_HANDLE = c_void_p

_person_new = declare("ffibench_person_new", c_int, c_char_p, c_size_t, c_int64, c_double, _PERSON)
_person_free = declare("ffibench_person_free", None, _PERSON)
_set_name = declare("ffibench_person_set_name", c_int, _PERSON, c_char_p, c_size_t)
_set_age = declare("ffibench_person_set_age", c_int, _PERSON, c_int64)
_set_salary = declare("ffibench_person_set_salary", c_int, _PERSON, c_double)
_payroll_new = declare("ffibench_payroll_new", c_int, POINTER(_HANDLE))
_payroll_generate = declare(
    "ffibench_payroll_generate", c_int, c_size_t, c_uint64, POINTER(_HANDLE)
)
_payroll_free = declare("ffibench_payroll_free", None, _HANDLE)
_len = declare("ffibench_payroll_len", c_int, _HANDLE, POINTER(c_size_t))
_get = declare("ffibench_payroll_get", c_int, _HANDLE, c_size_t, _PERSON)
_append = declare("ffibench_payroll_append", c_int, _HANDLE, _PERSON)
_total_salary = declare("ffibench_payroll_total_salary", c_int, _HANDLE, POINTER(c_double))
_bands = declare(
    "ffibench_payroll_mean_salary_by_age_band",
    c_int,
    _HANDLE,
    c_int64,
    POINTER(c_int64),
    POINTER(c_double),
    c_size_t,
    POINTER(c_size_t),
)
_give_raise = declare(
    "ffibench_payroll_give_raise", c_int, _HANDLE, c_double, c_int64, POINTER(c_size_t)
)
_top_earners = declare(
    "ffibench_payroll_top_earners", c_int, _HANDLE, c_size_t, _PERSON, POINTER(c_size_t)
)
_ages = declare(
    "ffibench_payroll_ages", c_int, _HANDLE, POINTER(POINTER(c_int64)), POINTER(c_size_t)
)
_salaries = declare(
    "ffibench_payroll_salaries", c_int, _HANDLE, POINTER(POINTER(c_double)), POINTER(c_size_t)
)


class Person(PersonMethods):
    """A person over an ``ffibench_person`` struct (see :class:`ffibench.pure.person.Person`).

    Examples
    --------
    >>> ada = Person("Ada", 36, 5200.0)
    >>> ada.age += 1
    >>> ada
    Person(name='Ada', age=37, salary=5200.0)
    """

    __slots__ = ("_lock", "_struct")
    _struct: PersonStruct | None
    _lock: Any
    _free_struct = staticmethod(_person_free)  # ctypes passes the struct by reference

    def __new__(cls, name: str, age: int, salary: float) -> Person:
        data = utf8(convert_name(name))
        years, pay = convert_age(age), convert_salary(salary)
        struct = PersonStruct()
        check(_person_new(data, len(data), years, pay, byref(struct)))
        return cls._adopt(struct)

    @property
    def name(self) -> str:
        with self._lock:
            name = self._live().name
            return ctypes.string_at(name.ptr, name.len).decode("utf-8")

    @name.setter
    def name(self, value: str) -> None:
        data = utf8(convert_name(value))
        with self._lock:
            check(_set_name(byref(self._live()), data, len(data)))

    def _set_age(self, value: int) -> None:
        years = convert_age(value)
        with self._lock:
            check(_set_age(byref(self._live()), years))

    age = property(struct_age, _set_age)

    def _set_salary(self, value: float) -> None:
        pay = convert_salary(value)
        with self._lock:
            check(_set_salary(byref(self._live()), pay))

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
    _free_handle = staticmethod(_payroll_free)
    _null_handle = None  # ctypes passes None as NULL

    def __new__(cls) -> Payroll:
        handle = _HANDLE()
        check(_payroll_new(byref(handle)))
        return cls._adopt(handle.value)

    @classmethod
    def generate(cls, n: int, seed: int) -> Payroll:
        """``n`` generated persons; the same table as every backend's for the same ``seed``."""
        count, stream = check_count(n, "n"), check_seed(seed)
        handle = _HANDLE()
        check(_payroll_generate(count, stream, byref(handle)))
        return cls._adopt(handle.value)

    def __len__(self) -> int:
        length = c_size_t()
        with self._lock:
            check(_len(self._handle, byref(length)))
        return length.value

    def __getitem__(self, index: int) -> Person:
        struct = PersonStruct()
        with self._lock:
            position = resolve_index(index, len(self))  # may run the caller's __index__
            check(_get(self._handle, position, byref(struct)))
        return Person._adopt(struct)

    def append(self, person: Person) -> None:
        """Add a copy of ``person`` at the end; ``BufferError`` while column views exist."""
        with self._lock:
            self._check_appendable(person)
            with person._lock:
                check(_append(self._handle, byref(person._live())))

    def total_salary(self) -> float:
        """The pairwise sum of every salary; 0.0 when empty."""
        total = c_double()
        with self._lock:
            check(_total_salary(self._handle, byref(total)))
        return total.value

    def mean_salary_by_age_band(self, width: int) -> dict[int, float]:
        """``{band start: mean salary}`` over the age bands that hold someone, ascending."""
        size, capacity = check_width(width), BANDS_MAX
        starts, means, count = (c_int64 * capacity)(), (c_double * capacity)(), c_size_t()
        with self._lock:
            check(_bands(self._handle, size, starts, means, capacity, byref(count)))
        return dict(zip(starts[: count.value], means[: count.value], strict=True))

    def give_raise(self, percent: float, min_age: int) -> int:
        """Raise everyone aged ``min_age`` or more by ``percent``; how many were raised."""
        rate, threshold = convert_raise(percent, min_age)
        raised = c_size_t()
        with self._lock:
            check(_give_raise(self._handle, rate, threshold, byref(raised)))
        return raised.value

    def top_earners(self, k: int) -> list[Person]:
        """Copies of the ``k`` best-paid persons, best first; ties keep table order."""
        with self._lock:
            wanted = min(check_count(k, "k"), len(self))
            slots, count = (PersonStruct * wanted)(), c_size_t()
            check(_top_earners(self._handle, wanted, slots, byref(count)))
        # Each struct moves into its own Person, which frees its name once.
        return [Person._adopt(PersonStruct.from_buffer_copy(slot)) for slot in slots[: count.value]]

    def _lend(self, function: Any, element: Any) -> tuple[int | None, int]:
        pointer, length = POINTER(element)(), c_size_t()
        with self._lock:
            check(function(self._handle, byref(pointer), byref(length)))
        return ctypes.cast(pointer, c_void_p).value, length.value

    def ages(self) -> Any:
        """The ages as a read-only int64 view of the library's column (no copy)."""
        return self._column(_ages, c_int64, numpy.int64)

    def salaries(self) -> Any:
        """The salaries as a read-only float64 view of the library's column (no copy)."""
        return self._column(_salaries, c_double, numpy.float64)
