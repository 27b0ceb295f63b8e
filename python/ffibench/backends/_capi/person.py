"""What the ctypes and cffi Person and Payroll wrappers share: everything but the C calls.

Both wrap Rust-owned memory (a person's name, a payroll's handle), so both need the same care:
copies and pickles rebuild from the fields or rows instead of sharing what the library owns
(a shared name or handle would be freed twice); a payroll counts its lent columns so that it
never grows under a NumPy view; and every object that owns library memory is locked, since
ctypes and cffi release the GIL in each call. The subclasses supply the fields and the calls.

What they own is freed in ``__del__``, under the object's lock and once: the struct or handle
is swapped out first, and an object used after that — its ``__del__`` called by hand, or a
finaliser of a garbage cycle that reaches it after the collector finalised it (the collector
runs every finaliser of a cycle, in any order, before it frees anything) — raises
``ReferenceError`` or the library's NULL-pointer error, never reads freed memory. ``ffi.gc``
is not used: cffi runs its destructor as a finaliser too, in the same unordered phase, and the
object would keep a pointer to the freed memory (a read after free, found by review).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy

from ffibench.backends._capi import LentColumn
from ffibench.pure.person import AGE_MAX, PersonRecord, person_repr

__all__ = [
    "BANDS_MAX",
    "Exclusive",
    "PayrollMethods",
    "PersonMethods",
    "RecordMethods",
    "finalised",
    "struct_age",
    "struct_salary",
]

#: ``FFIBENCH_PAYROLL_BANDS_MAX``: one band per age at most.
BANDS_MAX = AGE_MAX + 1


def finalised(kind: str) -> ReferenceError:
    """The error of a call on an object whose library memory was freed by its finaliser: one
    called by hand, or one that Python's garbage collector ran on a cycle before another
    finaliser of that cycle reached this object."""
    return ReferenceError(f"this {kind} was finalised: the library memory it owned is freed")


class Exclusive:
    """The lock of one object's library memory, which refuses re-entry instead of deadlocking.

    Any allocation inside a locked section can start the garbage collector, whose finalisers
    run in the same thread, and a signal handler can run between any two bytecodes; one that
    touches the same object would wait for a lock its own thread holds (a plain ``Lock``: a
    hang) or run in the middle of the call (a bare ``RLock``: a name freed while it is being
    copied). It gets ``RuntimeError`` instead; other threads wait. The owner is the ``RLock``'s
    own, recorded atomically by its C acquire: an owner field kept beside a plain lock left a
    moment where a signal handler saw the lock held by nobody it knew, and waited forever.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> None:
        if self._lock._is_owned():  # type: ignore[attr-defined]
            raise RuntimeError(
                "an object that owns ffibench library memory was used re-entrantly (from a "
                "finaliser or a signal handler) while one of its calls ran in this thread"
            )
        self._lock.acquire()

    def __exit__(self, *exception: object) -> None:
        self._lock.release()

    def held_here(self) -> bool:
        """Whether this thread is inside a locked section (a finaliser or a signal handler
        that runs in the middle of one of the object's calls)."""
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]


def struct_age(person: Any) -> int:
    """A C-ABI Person's ``age`` getter: the struct's field (a ctypes Structure or a cffi cdata
    alike), read without the lock, since the struct is memory the person owns."""
    try:
        return person._struct.age  # type: ignore[no-any-return]
    except AttributeError:  # the struct is None: freed
        raise finalised("Person") from None


def struct_salary(person: Any) -> float:
    """A C-ABI Person's ``salary`` getter (see :func:`struct_age`)."""
    try:
        return person._struct.salary  # type: ignore[no-any-return]
    except AttributeError:
        raise finalised("Person") from None


class PersonMethods:
    """Ownership, equality, repr and copying of a C-ABI Person.

    A subclass has the slots ``_struct`` (its ``ffibench_person``, or ``None`` once freed)
    and ``_lock`` (an :class:`Exclusive`), the fields ``name``, ``age``, ``salary``, and
    ``_free_struct``, which frees the struct's name (the library's ``ffibench_person_free``).
    """

    __slots__ = ()
    name: str
    age: int
    salary: float
    _free_struct: Any

    def __del__(self) -> None:
        person: Any = self
        lock = getattr(person, "_lock", None)
        if lock is None:
            return
        with lock:
            struct, person._struct = person._struct, None
        if struct is not None:
            self._free_struct(struct)

    @classmethod
    def _backend_class(cls) -> type:
        """This backend's Person: the class that derives from :class:`PersonMethods` (a
        user's subclass derives from it)."""
        for kind in cls.__mro__:
            if PersonMethods in kind.__bases__:
                return kind
        return cls

    def _live(self) -> Any:
        """The struct, or ``ReferenceError`` once freed. Call with ``_lock`` held."""
        struct = self._struct  # type: ignore[attr-defined]
        if struct is None:
            raise finalised("Person")
        return struct

    @classmethod
    def _adopt(cls, struct: Any) -> Any:
        """A Person taking over ``struct``, a person the library just wrote (and its name)."""
        person: Any = object.__new__(cls)
        person._struct = struct
        person._lock = Exclusive()
        return person

    def __eq__(self, other: object) -> bool:
        # This backend's persons (subclasses included) only, as the spec's isinstance check.
        # (``isinstance(self, type(other))`` held for any ``other`` of a base of Person,
        # ``object()`` included, which then had no fields: AttributeError.)
        if not isinstance(other, self._backend_class()):
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
    """Ownership, iteration, copying and the lent-column count of a C-ABI Payroll.

    A subclass has the slots ``_handle``, ``_lock``, ``_views`` and ``_free_pending``,
    ``__len__``, ``__getitem__`` and ``append``, and names its Person class (``person_type``),
    the library's ``ffibench_payroll_free`` (``_free_handle``) and its NULL handle
    (``_null_handle``).
    """

    __slots__ = ()
    _lock: Any
    _views: int
    person_type: Any
    _free_handle: Any
    _null_handle: Any

    def __del__(self) -> None:
        # Once, under the lock, and never while a view lives: the garbage collector may
        # finalise a payroll and its views' bases in one cycle in either order, so a payroll
        # finalised first marks itself and the last view's release frees it. The handle is
        # swapped for NULL first; later calls pass NULL, which the library refuses.
        table: Any = self
        lock = getattr(table, "_lock", None)
        if lock is None:
            return
        # This thread inside one of the payroll's own calls (a finaliser, a signal handler,
        # an argument's __index__ calling __del__ by hand): freeing now would pull the table
        # out from under that call.
        inside_a_call = lock._is_owned()
        with lock:
            # Then, or while a view lives, only mark it: the last view's release, or the real
            # finaliser later, frees it.
            if table._views or inside_a_call:
                table._free_pending = True
                return
            handle, table._handle = table._handle, self._null_handle
        self._free_handle(handle)  # the library ignores NULL

    @classmethod
    def _adopt(cls, handle: Any) -> Any:
        """A Payroll owning ``handle``, a payroll the library just made."""
        payroll: Any = object.__new__(cls)
        payroll._handle = handle
        # Reentrant: a column's release can run in a finaliser inside a locked call, and it
        # only counts. Every other re-entry is harmless here: a finaliser that appends between
        # two library calls of one method only makes the table longer.
        payroll._lock = threading.RLock()
        payroll._views = 0
        payroll._free_pending = False
        return payroll

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

    def _lend(self, function: Any, element: Any) -> tuple[int | None, int]:
        """Call the library's column function (``ffibench_payroll_ages``…) for a column of
        ``element`` under ``_lock``: the column's address (``None`` for NULL) and length."""
        raise NotImplementedError

    def _column(self, function: Any, element: Any, dtype: Any) -> Any:
        """A read-only NumPy view of the column that ``self._lend(function, element)`` lends.

        The view is counted before the library is asked, not after: any allocation in
        between can run a finaliser, and one that appends would otherwise move the column
        under the address just lent. The count is released by the view's base, a
        :class:`LentColumn`, when the last array over it is gone.
        """
        table: Any = self
        with table._lock:
            table._views += 1
        try:
            address, length = self._lend(function, element)
            if length == 0:
                self._unlend()
                return numpy.empty(0, dtype=dtype)
            if address is None:  # the library lends no NULL column; refuse rather than crash
                raise RuntimeError("ffibench C ABI: a column was lent as a NULL pointer")
            column = LentColumn(address, length, numpy.dtype(dtype).str, self, self._unlend)
        except BaseException:
            self._unlend()
            raise
        return numpy.asarray(column)

    def _unlend(self) -> None:
        """A view's ``LentColumn`` is gone."""
        table: Any = self
        with table._lock:
            if table._views <= 0:
                return  # never below zero, whoever calls
            table._views -= 1
            last = table._views == 0
        if last:
            self._last_view_gone()

    def _last_view_gone(self) -> None:
        """The count of views dropped to zero: free the table if its finaliser ran meanwhile."""
        table: Any = self
        if getattr(table, "_free_pending", False):
            table._free_pending = False
            self.__del__()


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
