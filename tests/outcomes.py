"""What a call did, so that a backend can be held to the spec for values and errors alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def outcome(function: Any, *args: Any) -> tuple[str, Any]:
    """``("value", result)`` or ``("raises", exception class)``."""
    try:
        return ("value", function(*args))
    except Exception as error:
        return ("raises", type(error))


def assert_same_outcome(
    spec: Any, backend: Any, args: tuple[Any, ...], compare: Callable[[Any, Any], bool]
) -> None:
    """``backend(*args)`` raises the class ``spec(*args)`` raises, or returns an equal value."""
    expected, got = outcome(spec, *args), outcome(backend, *args)
    if "raises" in (expected[0], got[0]):
        assert got == expected, f"{args!r}: {got} != {expected}"
    else:
        assert compare(got[1], expected[1]), f"{args!r}: {got[1]!r} != {expected[1]!r}"
