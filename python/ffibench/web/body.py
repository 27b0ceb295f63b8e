"""A request body read as the contract says: strict UTF-8, RFC 8259 JSON, at most 100 levels
deep, no unpaired surrogate escape, every number within float64's range.

``json.loads`` alone is laxer: it takes ``NaN`` and ``Infinity``, decodes ``"\\ud800"`` into a
string no UTF-8 encoder accepts, reads ``1e400`` as ``inf``, refuses an integer of more than
4300 digits with a ``ValueError`` of its own, and recurses until ``RecursionError`` on deep
nesting. :func:`read_json` closes each gap, and makes a well-formed body pay only for the
checks its bytes could need: the surrogate scan runs only when the bytes hold a ``\\u``
escape of a surrogate, the depth count only when they hold more than 100 brackets, the number
hooks only when they hold a three-digit exponent or a run of 210 digits (the shortest ways to
write a number beyond float64's 1.8e308).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

from ffibench.web.errors import MAX_DEPTH, NUMBER_RANGE, ApiError

__all__ = ["read_json"]

#: A ``\u`` escape of a surrogate (D800 to DFFF): the trigger of the surrogate scan.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Every escape of a string in turn: a high-low pair, an unpaired surrogate, anything else
#: (``\\\\`` included, so an escaped backslash before ``ud800`` is not read as an escape).
_ESCAPES = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|(?P<lone>u[dD][89a-fA-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
#: What a number beyond float64's range must contain: an exponent of three digits or more,
#: or 210 digits in a row (with a two-digit exponent the integer part needs 210 to pass 1e308).
#: Looked for in the body's *shape* (:func:`_may_be_beyond_range`): digits as ``0``, ``e`` and
#: ``E`` as ``e``, ``+`` kept, every other byte a space. A substring search in C, about 20x
#: faster than the equivalent regular expression ``[eE]\+?[0-9]{3}|[0-9]{210}``, which took
#: 0.65 ms of a 1,000-number body: more than the JSON decoding itself.
_SHAPE = bytes(
    ord("0") if chr(byte).isdigit() and byte < 128 else byte if byte in b"e+" else
    ord("e") if byte == ord("E") else ord(" ")
    for byte in range(256)
)  # fmt: skip
_BIG_SHAPES = (b"e000", b"e+000", b"0" * 210)
#: A JSON string (its brackets are not nesting), or an unterminated one up to the end: every
#: byte after a quote can be consumed, so a match never fails and never backtracks. (With
#: only terminated strings matching, each quote of ``"\"\"\"...`` without an end would
#: start a scan to the end of the body: quadratic, an hour for a 1 MB body.) An unterminated
#: string makes the body malformed whatever its depth.
_STRING = re.compile(rb'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
#: Bytes that are not brackets, deleted before the depth is counted.
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
#: The longest integer (in digits) that can be within float64's range.
_MAX_INT_DIGITS = 309


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def read_json(raw: bytes) -> Any:
    """The JSON value of ``raw``, or the contract's ``ApiError``: 400 ``malformed_json`` for
    bytes that are not UTF-8 or not JSON, nest deeper than 100 levels or escape an unpaired
    surrogate; 400 ``invalid_value`` for a number beyond float64's range. Keys given twice:
    the last counts. Integers stay ``int``, other numbers are ``float``.

    Examples
    --------
    >>> read_json(b'{"a": [1, 2.5], "a": [3]}')
    {'a': [3]}
    >>> read_json(b"[NaN]")
    Traceback (most recent call last):
    ...
    ffibench.web.errors.ApiError: the body is not valid JSON
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError.malformed() from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(text):
        raise ApiError.malformed()
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(raw) > MAX_DEPTH:
        raise ApiError.malformed()
    if not _may_be_beyond_range(raw):
        try:
            return _DECODER.decode(text)
        except ValueError:
            raise ApiError.malformed() from None
    return _decode_checking_range(text)


def _may_be_beyond_range(raw: bytes) -> bool:
    """Whether ``raw`` holds an exponent of three digits or more, or 210 digits in a row:
    what a number beyond float64's range must contain (a string that does only sends the body
    down the exact, slower path)."""
    shape = raw.translate(_SHAPE)
    return any(big in shape for big in _BIG_SHAPES)


def _has_lone_surrogate(text: str) -> bool:
    """Whether a string of ``text`` escapes an unpaired surrogate (``json`` would decode it
    into a str that cannot be encoded). Read from the text, not the decoded value, so that a
    string dropped by a later duplicate key counts too. Backslashes outside strings make the
    text malformed anyway, so scanning every escape is scanning the strings'."""
    return any(match.group("lone") for match in _ESCAPES.finditer(text))


def _depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings skipped)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _decode_checking_range(text: str) -> Any:
    """Decode ``text`` with number hooks that note a number beyond float64's range; the
    400 for it comes only once the whole text parsed (a malformed body is malformed first)."""
    beyond = False

    def parse_int(digits: str) -> int:
        nonlocal beyond
        if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
            beyond = True  # and int() would refuse past 4300 digits
            return 0
        number = int(digits)
        try:
            float(number)
        except OverflowError:
            beyond = True
        return number

    def parse_float(literal: str) -> float:
        nonlocal beyond
        number = float(literal)
        if math.isinf(number):
            beyond = True
        return number

    decoder = json.JSONDecoder(
        parse_constant=_reject_constant, parse_int=parse_int, parse_float=parse_float
    )
    try:
        value = decoder.decode(text)
    except ValueError:
        raise ApiError.malformed() from None
    if beyond:
        raise ApiError.invalid(NUMBER_RANGE)
    return value
