"""What each route does with a parsed body: its shape checked (422), its values checked (400),
then the work, by one backend's functions.

The shape and value rules are the contract's and the same for both apps; only the work
differs. :class:`PythonWork` is what a good Flask programmer would write over the spec: the
spec's pairwise sum and word counts, builtins where they give the spec's answer (``min`` and
``max`` keep the first of equal values, as the spec does), NumPy for the product (the spec's
own). :class:`Pyo3Work` hands the same work to the Rust core through
``ffibench.backend("pyo3")``, converting each input once (numbers into an ``array.array`` that
PyO3 reads in place).
"""

from __future__ import annotations

import abc
import array
import itertools
import math
from typing import Any

from ffibench.web.errors import (
    K_DEFAULT,
    K_MAX,
    MATMUL_ENTRY,
    MATMUL_ENTRY_MAX,
    MATMUL_SHAPE,
    MATMUL_SIZE,
    MATRIX_MAX,
    PERSON_AGE,
    PERSON_NAME,
    PERSON_SALARY,
    PERSON_SHAPE,
    STATS_EMPTY,
    STATS_SHAPE,
    STATS_SUM,
    WORDS_K,
    WORDS_SHAPE,
    ApiError,
    matmul_mismatch,
)

__all__ = ["BACKENDS", "Pyo3Work", "PythonWork", "Work", "make_work", "parse_k"]

#: The backends an app's work can run on.
BACKENDS = ("python", "pyo3")
#: The Python types of JSON numbers (``bool`` is not one: ``true`` is not a number).
_NUMBER_TYPES = frozenset((int, float))
_PERSON_FIELDS = frozenset(("name", "age", "salary"))
_OPERAND_FIELDS = frozenset(("a", "b"))

#: The person rules' failures, field by field: what the backend's ``Person`` raises.
_FIELD_ERRORS = (TypeError, ValueError, OverflowError)


def _all_numbers(values: list[Any]) -> bool:
    # set(map(type, ...)) runs in C: one pass, no Python call per element
    return set(map(type, values)) <= _NUMBER_TYPES


def numbers_of(body: Any) -> list[int | float]:
    """The body of ``/stats``: a non-empty JSON array of numbers (422, 400)."""
    if type(body) is not list or not _all_numbers(body):
        raise ApiError.wrong_shape(STATS_SHAPE)
    if not body:
        raise ApiError.invalid(STATS_EMPTY)
    return body


def text_of(body: Any) -> str:
    """The body of ``/words/top``: ``{"text": string}`` and nothing else (422)."""
    if type(body) is not dict or len(body) != 1 or type(body.get("text")) is not str:
        raise ApiError.wrong_shape(WORDS_SHAPE)
    text: str = body["text"]
    return text


def parse_k(values: list[str]) -> int:
    """``k`` from every value the query gives it (percent-decoded): absent is 10; once, ASCII
    digits worth 0 to 1000; anything else is 400.

    Examples
    --------
    >>> parse_k([]), parse_k(["0007"]), parse_k(["1000"])
    (10, 7, 1000)
    >>> parse_k(["1", "1"])
    Traceback (most recent call last):
    ...
    ffibench.web.errors.ApiError: k must be an integer from 0 to 1000, given once
    """
    if not values:
        return K_DEFAULT
    if len(values) == 1:
        digits = values[0]
        if digits.isascii() and digits.isdigit():
            k = int(digits)
            if k <= K_MAX:
                return k
    raise ApiError.invalid(WORDS_K)


def person_of(body: Any) -> tuple[str, int | float, int | float]:
    """The body of ``PUT /people/{id}``: exactly name (a string), age and salary (numbers)."""
    if (
        type(body) is not dict
        or body.keys() != _PERSON_FIELDS
        or type(body["name"]) is not str
        or type(body["age"]) not in _NUMBER_TYPES
        or type(body["salary"]) not in _NUMBER_TYPES
    ):
        raise ApiError.wrong_shape(PERSON_SHAPE)
    return body["name"], body["age"], body["salary"]


def _matrix_ok(matrix: Any) -> bool:
    if type(matrix) is not list or not matrix:
        return False
    if set(map(type, matrix)) != {list}:
        return False
    width = len(matrix[0])
    return all(len(row) == width for row in matrix) and all(map(_all_numbers, matrix))


def operands_of(body: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """The body of ``/matmul``: exactly a and b, non-empty lists of equal-length lists of
    numbers (422); at most 256 rows and columns each, a's columns b's rows (400)."""
    if (
        type(body) is not dict
        or body.keys() != _OPERAND_FIELDS
        or not _matrix_ok(body["a"])
        or not _matrix_ok(body["b"])
    ):
        raise ApiError.wrong_shape(MATMUL_SHAPE)
    a, b = body["a"], body["b"]
    for matrix in (a, b):
        if len(matrix) > MATRIX_MAX or len(matrix[0]) > MATRIX_MAX:
            raise ApiError.invalid(MATMUL_SIZE)
    if len(a[0]) != len(b):
        raise ApiError.invalid(matmul_mismatch(len(a[0]), len(b)))
    # bounded entries keep every sum of at most 256 products under 256 * 1e300, far from
    # float64's largest: no answer depends on the order in which a kernel adds
    for matrix in (a, b):
        if max(map(abs, itertools.chain.from_iterable(matrix)), default=0) > MATMUL_ENTRY_MAX:
            raise ApiError.invalid(MATMUL_ENTRY)
    return a, b


class Work(abc.ABC):
    """The routes' work over one backend: ``stats``, ``top_words``, ``person``, ``matmul``."""

    #: The name of the backend, for ``ffibench.backend``.
    backend: str

    def __init__(self) -> None:
        import ffibench

        self._chosen = ffibench.backend(self.backend)
        self._word_counts: Any = self._chosen.words.WordCounts
        self._person: Any = self._chosen.person.Person
        self._matmul: Any = self._chosen.matmul.matmul

    @abc.abstractmethod
    def stats(self, numbers: list[int | float]) -> dict[str, Any]:
        """count, sum, mean, min and max of a non-empty list of numbers (400 when the sum is
        not finite)."""

    def top_words(self, text: str, k: int) -> dict[str, Any]:
        """The number of words of ``text`` and its ``k`` most frequent ones."""
        counts = self._word_counts.from_text(text)
        top = counts.most_common(k)
        return {"total": counts.total(), "top": [{"word": w, "count": c} for w, c in top]}

    def person(self, name: str, age: int | float, salary: int | float) -> tuple[str, int, float]:
        """The fields checked by the backend's ``Person`` (400 for the first field that fails,
        in the order name, age, salary), salary as a float."""
        try:
            person = self._person(name, age, salary)
        except _FIELD_ERRORS:
            # The constructor converts every field before it checks any; the contract names
            # the first failing field in order, so set them one by one on a valid person.
            person = self._person("-", 0, 0.0)
            for field, value, message in (
                ("name", name, PERSON_NAME),
                ("age", age, PERSON_AGE),
                ("salary", salary, PERSON_SALARY),
            ):
                try:
                    setattr(person, field, value)
                except _FIELD_ERRORS:
                    raise ApiError.invalid(message) from None
            raise  # no field fails alone: the constructor's failure was not the fields'
        return person.name, person.age, person.salary

    def matmul(self, a: list[list[Any]], b: list[list[Any]]) -> list[list[float]]:
        """The product ``a @ b`` as lists of rows (finite: :func:`operands_of` bounds the
        entries)."""
        product = self._product(a, b)
        rows: list[list[float]] = product.tolist()
        return rows

    def _product(self, a: list[list[Any]], b: list[list[Any]]) -> Any:
        return self._matmul(a, b)


def _stats(count: int, total: float, smallest: float, largest: float) -> dict[str, Any]:
    if not math.isfinite(total):  # inf, or NaN where partial sums overflowed both ways
        raise ApiError.invalid(STATS_SUM)
    return {"count": count, "sum": total, "mean": total / count, "min": smallest, "max": largest}


class PythonWork(Work):
    """The work in Python: the spec's functions where they are the semantics."""

    backend = "python"

    def __init__(self) -> None:
        super().__init__()
        from ffibench.pure.arrays import pairwise_sum

        self._pairwise_sum = pairwise_sum

    def stats(self, numbers: list[int | float]) -> dict[str, Any]:
        values = list(map(float, numbers))  # ints correctly rounded; in C, no Python loop
        return _stats(len(values), self._pairwise_sum(values), min(values), max(values))

    def _product(self, a: list[list[Any]], b: list[list[Any]]) -> Any:
        import numpy

        # The spec's matmul over arrays NumPy converts in C, not its per-element list reader.
        return self._matmul(
            numpy.array(a, dtype=numpy.float64), numpy.array(b, dtype=numpy.float64)
        )


class Pyo3Work(Work):
    """The work in the Rust core, through the PyO3 module."""

    backend = "pyo3"

    def __init__(self) -> None:
        super().__init__()
        self._arrays: Any = self._chosen.arrays

    def stats(self, numbers: list[int | float]) -> dict[str, Any]:
        values = array.array("d", numbers)  # one conversion in C; Rust reads it in place
        arrays = self._arrays
        return _stats(len(values), arrays.sum(values), arrays.min(values), arrays.max(values))


def make_work(backend: str) -> Work:
    """The work of an app over ``backend`` (``"python"`` or ``"pyo3"``)."""
    if backend == "python":
        return PythonWork()
    if backend == "pyo3":
        return Pyo3Work()
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
