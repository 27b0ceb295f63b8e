"""What the ctypes and cffi Person and Payroll wrappers share: everything but the C calls.

Both wrap Rust-owned memory (a person's name, a payroll's handle), so both need the same care:
copies and pickles rebuild from the fields or rows instead of sharing what the library owns
(a shared name or handle would be freed twice), and a payroll counts its lent columns so that it
never grows under a NumPy view. The subclasses supply the fields, ``_lock``, ``_views`` and the
calls themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ffibench.pure.person import person_repr

__all__ = ["PayrollMethods", "PersonMethods"]


class PersonMethods:
    """Equality, repr and copying of a C-ABI Person, from its ``name``, ``age``, ``salary``."""

    __slots__ = ()
    name: str
    age: int
    salary: float

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
    """Iteration, copying and the view count of a C-ABI Payroll."""

    __slots__ = ()
    _lock: Any
    _views: int
    #: The backend's Person class, which ``append`` takes and ``__setstate__`` makes.
    person_type: Any

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
