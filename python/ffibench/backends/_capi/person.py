"""What the ctypes and cffi Person and Payroll wrappers share: everything but the C calls.

Both wrap Rust-owned memory (a person's name, a payroll's handle), so both need the same care:
copies and pickles rebuild from the fields or rows instead of sharing what the library owns
(a shared name or handle would be freed twice), and a payroll counts its lent columns so that it
never grows under a NumPy view. The subclasses supply the fields, ``_lock``, ``_views`` and the
calls themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from ffibench.pure.person import AGE_MAX, PersonRecord, person_repr

__all__ = ["BANDS_MAX", "PayrollMethods", "PersonMethods", "RecordMethods"]

#: ``FFIBENCH_PAYROLL_BANDS_MAX``: one band per age at most.
BANDS_MAX = AGE_MAX + 1


class PersonMethods:
    """Ownership, equality, repr and copying of a C-ABI Person.

    A subclass has the slots ``_struct`` (its ``ffibench_person``) and ``_lock``, the fields
    ``name``, ``age``, ``salary``, and ``_free_struct``, the library's ``ffibench_person_free``.
    """

    __slots__ = ()
    name: str
    age: int
    salary: float
    _free_struct: Any

    @classmethod
    def _adopt(cls, struct: Any) -> Any:
        """A Person taking over ``struct``, a person the library just wrote (and its name)."""
        person: Any = object.__new__(cls)
        person._struct = struct
        person._lock = threading.Lock()
        return person

    def __del__(self) -> None:
        struct = getattr(self, "_struct", None)
        if struct is not None:  # the library's free empties the struct: a second is a no-op
            self._free_struct(struct)

    def __eq__(self, other: object) -> bool:
        # This backend's persons (subclasses included) only, as the spec's isinstance check.
        if not (isinstance(other, type(self)) or isinstance(self, type(other))):
            return NotImplemented
        theirs: Any = other
        return (self.age, self.salary, self.name) == (theirs.age, theirs.salary, theirs.name)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return person_repr(self.name, self.age, self.salary)

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy or a pickle is a new person with its own name: never a second owner of this
        # struct (the default copy would share it, and both owners would free the name).
        return (type(self), (self.name, self.age, self.salary))


class PayrollMethods:
    """Ownership, iteration, copying and the view count of a C-ABI Payroll.

    A subclass has the slots ``_handle``, ``_lock`` and ``_views``, ``__len__``,
    ``__getitem__`` and ``append``, and names its Person class (``person_type``), the library's
    ``ffibench_payroll_free`` (``_free_handle``) and its NULL handle (``_null_handle``).
    """

    __slots__ = ()
    _lock: Any
    _views: int
    person_type: Any
    _free_handle: Any
    _null_handle: Any

    @classmethod
    def _adopt(cls, handle: Any) -> Any:
        """A Payroll owning ``handle``, a payroll the library just made."""
        payroll: Any = object.__new__(cls)
        payroll._handle = handle
        payroll._lock = threading.RLock()  # reentrant: a view may die inside a locked call
        payroll._views = 0
        return payroll

    def __del__(self) -> None:
        # Idempotent, and a no-op while a view lives (only a call by hand can get here then):
        # the handle is swapped for NULL before it is freed, and later calls pass NULL, which
        # the library refuses with an error instead of touching freed memory.
        table: Any = self
        lock = getattr(table, "_lock", None)
        if lock is None:
            return
        with lock:
            if table._views:
                return
            handle, table._handle = table._handle, self._null_handle
        self._free_handle(handle)  # the library ignores NULL

    def __iter__(self) -> Iterator[Any]:
        table: Any = self  # the subclass has __len__ and __getitem__
        return (table[index] for index in range(len(table)))

    def __reduce__(self) -> tuple[Any, ...]:
        # A new table from the rows: the default copy would share the handle, and both
        # Payrolls would free it (a double free).
        return (type(self), (), [(p.name, p.age, p.salary) for p in self])

    def __setstate__(self, rows: list[tuple[str, int, float]]) -> None:
        table: Any = self  # the subclass has append
        for row in rows:
            table.append(self.person_type(*row))

    def _check_appendable(self, person: object) -> None:
        """``TypeError`` for anything but this backend's Person; ``BufferError`` while a view
        of a column exists (growing the column could move it). Call with ``_lock`` held."""
        if not isinstance(person, self.person_type):
            raise TypeError(f"person must be a Person, not {type(person).__name__}")
        if self._views:
            raise BufferError(
                "cannot append to a Payroll while NumPy views of its columns exist: "
                "delete them, or copy them with numpy.array(view), first"
            )

    def _lent(self) -> None:
        """Count a new view; call with ``_lock`` held."""
        table: Any = self  # ``_views`` is a slot of the subclass
        table._views += 1

    def _unlend(self) -> None:
        """A view's ``LentColumn`` is gone."""
        table: Any = self
        with table._lock:
            table._views -= 1


class RecordMethods(PersonRecord):
    """A C-ABI PersonRecord: checked by the library once, then kept as Python values.

    A read of a field that lives in library memory is a call (a ctypes or cffi field read, or
    a name decoded from UTF-8: see Person). The C ABI has no object that Python can read
    without one, so the record built for reads copies the checked fields out once, into the
    spec's read-only ``__slots__`` record: reads then cost what a Python read costs. PyO3's
    frozen record does the same in Rust (its fields are Python objects). A subclass names its
    backend's Person class as ``person_type``; construction goes through it, so every value
    is checked by the Rust core exactly as a Person's.
    """

    __slots__ = ()
    person_type: Any

    def __new__(cls, name: str, age: int, salary: float) -> Any:
        checked = cls.person_type(name, age, salary)  # converted as the spec does, then checked
        record = object.__new__(cls)
        for field in ("name", "age", "salary"):
            object.__setattr__(record, field, getattr(checked, field))
        return record  # `checked` dies here and the library frees its copy of the name
