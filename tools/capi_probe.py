"""Call every exported function of the C-ABI library, with good and bad arguments, through ctypes.

Run under valgrind (``make memcheck``, ``tests/test_memory.py``) it shows whether the library
reads or writes memory it should not, or leaks, on its success paths and on its error paths
(each failing call replaces the thread's error message, which frees the one before).

The declarations are the ctypes backend's own (checked against the header by
``tests/test_capi.py``), so the probe calls the library as the backend does. Every call goes
through :class:`Recorder`, which counts calls by name: the probe ends by printing one line
``called: name,name,...`` that the tests compare with the library's exported symbols.

Usage: ``python tools/capi_probe.py [--rounds N]`` (exit status 0 when every check held).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from ctypes import (
    POINTER,
    byref,
    c_bool,
    c_char_p,
    c_double,
    c_float,
    c_int,
    c_int64,
    c_size_t,
    c_uint16,
    c_uint64,
    c_void_p,
)
from typing import Any

# The status codes of ffibench.h.
OK, INVALID_VALUE, OVERFLOW, OUT_OF_MEMORY, INVALID_UTF8, NULL_POINTER = 0, 1, 2, 3, 4, 5
IO, INVALID_STATE = 7, 8
SCENARIOS = ("basic", "person", "arrays", "words", "buffers", "events", "documents", "matmul")


class Recorder:
    """The library's declared functions, each call counted under its name."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._library = library
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = getattr(self._library, name)

        def call(*args: Any) -> Any:
            self.calls[name] += 1
            return function(*args)

        return call


class Probe:
    """The checks: each failed one is kept with its line, and the probe goes on."""

    def __init__(self, lib: Recorder) -> None:
        self.lib = lib
        self.failures: list[str] = []

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)

    def ok(self, status: int, what: str) -> None:
        self.expect(status == OK, f"{what}: status {status}, expected OK")

    def fails(self, status: int, expected: int, what: str) -> None:
        """A failing call: its status, and the message it left (read, then replaced later)."""
        self.expect(status == expected, f"{what}: status {status}, expected {expected}")
        message = self.lib.ffibench_last_error_message()
        self.expect(bool(message), f"{what}: no error message")


def declarations() -> tuple[ctypes.CDLL, dict[str, Any]]:
    """The ctypes backend's library with every function declared, and its struct types."""
    for scenario in SCENARIOS:
        importlib.import_module(f"ffibench.backends.ctypes.{scenario}")
    from ffibench.backends.ctypes import _library, arrays, buffers, events, person, words

    version = _library.lib.ffibench_version  # the one function no backend module calls
    version.argtypes, version.restype = (), c_char_p
    types = {
        "String": _library.String,
        "Bytes": words.Bytes,
        "Doubles": arrays.Doubles,
        "KvStats": words.Stats,
        "Event": events.Event,
        "EventStats": events.Stats,
        "Person": person.PersonStruct,
        "View": buffers._View,
    }
    return _library.lib, types


def probe_basic(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    number, real, flag, text = c_int64(), c_double(), c_bool(), t["String"]()
    p.expect(bool(lib.ffibench_version()), "version")
    p.expect(lib.ffibench_basic_identity(-(2**63)) == -(2**63), "identity")
    p.ok(lib.ffibench_basic_add(2, 3, byref(number)), "add")
    p.fails(lib.ffibench_basic_add(2**63 - 1, 1, byref(number)), OVERFLOW, "add overflow")
    p.fails(lib.ffibench_basic_add(1, 1, None), NULL_POINTER, "add NULL")
    p.ok(lib.ffibench_basic_fib(90, byref(number)), "fib")
    p.fails(lib.ffibench_basic_fib(-1, byref(number)), INVALID_VALUE, "fib -1")
    p.fails(lib.ffibench_basic_fib(93, byref(number)), OVERFLOW, "fib 93")
    p.ok(lib.ffibench_basic_count_primes(1000, byref(number)), "count_primes")
    p.expect(number.value == 168, "count_primes 1000")
    p.fails(lib.ffibench_basic_count_primes(-1, byref(number)), INVALID_VALUE, "primes -1")
    p.ok(lib.ffibench_basic_compound_interest(1e3, 0.05, 10.0, 12, byref(real)), "interest")
    p.fails(
        lib.ffibench_basic_compound_interest(1e3, 0.05, 10.0, 0, byref(real)),
        INVALID_VALUE,
        "interest periods 0",
    )
    p.ok(lib.ffibench_basic_projectile_range(10.0, 45.0, byref(real)), "projectile_range")
    p.fails(lib.ffibench_basic_projectile_range(10.0, 45.0, None), NULL_POINTER, "range NULL")
    for name in ("ffibench_basic_reverse", "ffibench_basic_to_upper"):
        function = getattr(lib, name)
        data = "Straße 𝔘𝔫𝔦\0x".encode()
        p.ok(function(data, len(data), byref(text)), name)
        p.expect(text.len > 0, f"{name}: empty")
        lib.ffibench_string_free(text)
        p.ok(function(None, 0, byref(text)), f"{name} empty")
        lib.ffibench_string_free(text)
        p.fails(function(b"\xff\xfe", 2, byref(text)), INVALID_UTF8, f"{name} bad UTF-8")
        p.fails(function(b"a", 1, None), NULL_POINTER, f"{name} NULL out")
    lib.ffibench_string_free(t["String"]())  # a NULL string is ignored
    for name, out in (
        ("ffibench_basic_count_vowels", number),
        ("ffibench_basic_word_count", number),
        ("ffibench_basic_is_palindrome", flag),
    ):
        function = getattr(lib, name)
        p.ok(function(b"Anna a b", 8, byref(out)), name)
        p.fails(function(b"\xc3", 1, byref(out)), INVALID_UTF8, f"{name} bad UTF-8")
        p.fails(function(b"x", 1, None), NULL_POINTER, f"{name} NULL out")
    p.ok(lib.ffibench_basic_is_prime(97, byref(flag)), "is_prime")
    p.fails(lib.ffibench_basic_is_prime(97, None), NULL_POINTER, "is_prime NULL")
    p.ok(lib.ffibench_basic_is_leap_year(2000, byref(flag)), "is_leap_year")
    p.fails(lib.ffibench_basic_is_leap_year(2000, None), NULL_POINTER, "leap NULL")
    p.ok(lib.ffibench_basic_majority(True, False, True, byref(flag)), "majority")
    p.fails(lib.ffibench_basic_majority(True, False, True, None), NULL_POINTER, "majority NULL")


def probe_arrays(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    values = (c_double * 6)(3.0, 1.0, 2.0, 6.0, float("nan"), -1.0)
    four = ctypes.addressof(values)
    real = c_double()
    for name in ("sum", "mean", "std", "min", "max"):
        function = getattr(lib, f"ffibench_arrays_{name}")
        p.ok(function(four, 4, byref(real)), name)
        p.ok(function(four, 6, byref(real)), f"{name} with NaN")
        p.fails(function(four + 1, 2, byref(real)), INVALID_VALUE, f"{name} misaligned")
        p.fails(function(four, 4, None), NULL_POINTER, f"{name} NULL out")
        if name != "sum":
            p.fails(function(None, 0, byref(real)), INVALID_VALUE, f"{name} of none")
    Doubles = t["Doubles"]
    out = Doubles()
    p.ok(lib.ffibench_arrays_filter_greater(four, 4, 2.0, byref(out)), "filter_greater")
    p.expect(out.len == 2, "filter_greater: two kept")
    lib.ffibench_doubles_free(out)
    p.ok(lib.ffibench_arrays_filter_greater(None, 0, 2.0, byref(out)), "filter_greater none")
    lib.ffibench_doubles_free(out)
    lib.ffibench_doubles_free(Doubles())  # NULL is ignored
    p.fails(
        lib.ffibench_arrays_filter_greater(four + 4, 2, 0.0, byref(out)),
        INVALID_VALUE,
        "filter misaligned",
    )
    p.fails(lib.ffibench_arrays_filter_greater(four, 4, 0.0, None), NULL_POINTER, "filter NULL")
    scores = (c_double * 4)()
    p.ok(lib.ffibench_arrays_normalize(four, 4, scores), "normalize")
    p.fails(lib.ffibench_arrays_normalize(four, 4, four), INVALID_VALUE, "normalize in place")
    p.fails(lib.ffibench_arrays_normalize(four, 4, None), NULL_POINTER, "normalize NULL")
    same = (c_double * 3)(2.0, 2.0, 2.0)
    p.fails(lib.ffibench_arrays_normalize(same, 3, scores), INVALID_VALUE, "normalize std 0")
    drawn = (c_double * 16)()
    p.ok(lib.ffibench_arrays_generate(16, 7, 0, drawn), "generate uniform")
    p.ok(lib.ffibench_arrays_generate(15, 7, 1, drawn), "generate normal, odd count")
    p.fails(lib.ffibench_arrays_generate(4, 7, 9, drawn), INVALID_VALUE, "generate bad dist")
    p.fails(lib.ffibench_arrays_generate(4, 7, 0, None), NULL_POINTER, "generate NULL")


def probe_matmul(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    for name, kind in (("ffibench_matmul_f64", c_double), ("ffibench_matmul_f32", c_float)):
        function = getattr(lib, name)
        left = (kind * 6)(1, 4, 2, 5, 3, 6)  # column-major [[1, 2, 3], [4, 5, 6]]
        right = (kind * 6)(1, 0, 0, 1, 1, 1)  # row-major [[1, 0], [0, 1], [1, 1]]
        out = (kind * 4)()
        p.ok(function(left, 2, 3, 1, 2, right, 3, 2, 2, 1, out), name)
        p.expect(list(out) == [4.0, 5.0, 10.0, 11.0], f"{name}: product {list(out)}")
        p.fails(function(left, 2, 3, 1, 2, left, 2, 3, 1, 2, out), INVALID_VALUE, f"{name} shapes")
        p.fails(
            function(left, 2, 3, 1, 2, right, 3, 2, 2, 1, left), INVALID_VALUE, f"{name} overlap"
        )
        p.fails(
            function(ctypes.addressof(left) + 1, 2, 3, 1, 2, right, 3, 2, 2, 1, out),
            INVALID_VALUE,
            f"{name} misaligned",
        )
        p.fails(function(left, 2, 3, 1, 2, right, 3, 2, 2, 1, None), NULL_POINTER, f"{name} NULL")
        big = 40  # past the size where the product goes to several threads
        a = (kind * (big * big))(*([1.0] * (big * big)))
        product = (kind * (big * big))()
        p.ok(function(a, big, big, big, 1, a, big, big, big, 1, product), f"{name} {big}x{big}")
        p.expect(product[0] == big, f"{name}: {big}x{big} entry {product[0]}")


def probe_person(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    Person = t["Person"]
    ada, copy = Person(), Person()
    p.ok(lib.ffibench_person_new(b"Ada", 3, 36, 5200.0, byref(ada)), "person_new")
    p.fails(lib.ffibench_person_new(b"Bo", 2, 151, 1.0, byref(copy)), INVALID_VALUE, "age 151")
    p.fails(lib.ffibench_person_new(b"", 0, 1, 1.0, byref(copy)), INVALID_VALUE, "empty name")
    p.fails(lib.ffibench_person_new(b"\xff", 1, 1, 1.0, byref(copy)), INVALID_UTF8, "bad name")
    p.fails(lib.ffibench_person_new(b"x" * 257, 257, 1, 1.0, byref(copy)), INVALID_VALUE, "long")
    p.fails(lib.ffibench_person_new(b"Bo", 2, 1, float("nan"), byref(copy)), INVALID_VALUE, "NaN")
    p.fails(lib.ffibench_person_new(b"Bo", 2, 1, 1.0, None), NULL_POINTER, "person_new NULL")
    p.ok(lib.ffibench_person_set_name(byref(ada), "Zoë".encode(), 4), "set_name")
    p.fails(lib.ffibench_person_set_name(byref(ada), b"\xc3", 1), INVALID_UTF8, "set_name UTF-8")
    p.fails(lib.ffibench_person_set_name(None, b"x", 1), NULL_POINTER, "set_name NULL")
    p.ok(lib.ffibench_person_set_age(byref(ada), 40), "set_age")
    p.fails(lib.ffibench_person_set_age(byref(ada), -1), INVALID_VALUE, "set_age -1")
    p.fails(lib.ffibench_person_set_age(None, 1), NULL_POINTER, "set_age NULL")
    p.ok(lib.ffibench_person_set_salary(byref(ada), 10.5), "set_salary")
    p.fails(lib.ffibench_person_set_salary(byref(ada), -1.0), INVALID_VALUE, "set_salary -1")
    p.fails(lib.ffibench_person_set_salary(None, 1.0), NULL_POINTER, "set_salary NULL")

    lib.ffibench_person_free(byref(copy))
    probe_payroll(p, t, ada)
    lib.ffibench_person_free(byref(ada))


def probe_payroll(p: Probe, t: dict[str, Any], ada: Any) -> None:
    lib = p.lib
    Person, String = t["Person"], t["String"]
    copy = Person()
    handle, empty = c_void_p(), c_void_p()
    size = c_size_t()
    p.ok(lib.ffibench_payroll_new(byref(empty)), "payroll_new")
    p.fails(lib.ffibench_payroll_new(None), NULL_POINTER, "payroll_new NULL")
    p.ok(lib.ffibench_payroll_generate(200, 7, byref(handle)), "payroll_generate")
    p.fails(lib.ffibench_payroll_generate(2**62, 7, byref(c_void_p())), OUT_OF_MEMORY, "huge")
    p.fails(lib.ffibench_payroll_generate(1, 7, None), NULL_POINTER, "generate NULL")
    p.ok(lib.ffibench_payroll_append(handle, byref(ada)), "append")
    bad = Person(String(None, 0), 1, 1.0)  # a NULL, empty name: refused, never read
    p.fails(lib.ffibench_payroll_append(handle, byref(bad)), INVALID_VALUE, "append no name")
    bad = Person(String(ctypes.cast(b"\xff", c_void_p), 1), 1, 1.0)
    p.fails(lib.ffibench_payroll_append(handle, byref(bad)), INVALID_UTF8, "append bad name")
    p.fails(lib.ffibench_payroll_append(None, byref(ada)), NULL_POINTER, "append NULL")
    p.ok(lib.ffibench_payroll_len(handle, byref(size)), "payroll_len")
    p.expect(size.value == 201, f"payroll_len {size.value}")
    p.fails(lib.ffibench_payroll_len(None, byref(size)), NULL_POINTER, "len NULL")
    p.ok(lib.ffibench_payroll_get(handle, 200, byref(copy)), "get")
    p.expect(copy.age == 40 and copy.salary == 10.5, "get: the appended person")
    lib.ffibench_person_free(byref(copy))
    lib.ffibench_person_free(byref(copy))  # emptied by the first free: a no-op
    lib.ffibench_person_free(None)
    p.fails(lib.ffibench_payroll_get(handle, 201, byref(copy)), INVALID_VALUE, "get past the end")
    probe_payroll_queries(p, t, handle, empty)


def probe_payroll_queries(p: Probe, t: dict[str, Any], handle: Any, empty: Any) -> None:
    lib = p.lib
    Person = t["Person"]
    size = c_size_t()
    real = c_double()
    p.ok(lib.ffibench_payroll_total_salary(handle, byref(real)), "total_salary")
    p.ok(lib.ffibench_payroll_total_salary(empty, byref(real)), "total_salary empty")
    p.fails(lib.ffibench_payroll_total_salary(None, byref(real)), NULL_POINTER, "total NULL")
    bands = 151
    starts, means = (c_int64 * bands)(), (c_double * bands)()
    bands_of = lib.ffibench_payroll_mean_salary_by_age_band
    p.ok(bands_of(handle, 10, starts, means, bands, byref(size)), "bands")
    p.fails(bands_of(handle, 0, starts, means, bands, byref(size)), INVALID_VALUE, "width 0")
    p.fails(bands_of(handle, 1, starts, means, 2, byref(size)), INVALID_VALUE, "capacity 2")
    p.fails(bands_of(None, 1, starts, means, bands, byref(size)), NULL_POINTER, "bands NULL")
    p.ok(lib.ffibench_payroll_give_raise(handle, 5.0, 30, byref(size)), "give_raise")
    p.fails(lib.ffibench_payroll_give_raise(handle, -200.0, 0, byref(size)), INVALID_VALUE, "raise")
    p.fails(lib.ffibench_payroll_give_raise(None, 1.0, 0, byref(size)), NULL_POINTER, "raise NULL")
    best = (Person * 3)()
    p.ok(lib.ffibench_payroll_top_earners(handle, 3, best, byref(size)), "top_earners")
    for person in best[: size.value]:
        lib.ffibench_person_free(byref(person))
    p.ok(lib.ffibench_payroll_top_earners(empty, 3, best, byref(size)), "top_earners empty")
    p.fails(
        lib.ffibench_payroll_top_earners(handle, 3, None, byref(size)), NULL_POINTER, "top NULL"
    )
    ages, salaries = POINTER(c_int64)(), POINTER(c_double)()
    p.ok(lib.ffibench_payroll_ages(handle, byref(ages), byref(size)), "ages")
    p.expect(ages[200] == 40, "ages: the appended age")
    p.fails(lib.ffibench_payroll_ages(handle, None, byref(size)), NULL_POINTER, "ages NULL")
    p.ok(lib.ffibench_payroll_salaries(handle, byref(salaries), byref(size)), "salaries")
    p.fails(lib.ffibench_payroll_salaries(None, byref(salaries), byref(size)), NULL_POINTER, "sal")
    lib.ffibench_payroll_free(handle)
    lib.ffibench_payroll_free(empty)
    lib.ffibench_payroll_free(None)


def _joined(words: list[bytes]) -> tuple[bytes, Any]:
    return b"".join(words), (c_size_t * max(len(words), 1))(*map(len, words))


def probe_words(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    counts, other, copy = c_void_p(), c_void_p(), c_void_p()
    text = "The cat, the hat; ΟΔΟΣ don't the".encode()
    p.ok(lib.ffibench_word_counts_from_text(text, len(text), byref(counts)), "from_text")
    p.fails(lib.ffibench_word_counts_from_text(b"a\xff", 2, byref(other)), INVALID_UTF8, "text")
    p.fails(lib.ffibench_word_counts_from_text(b"a", 1, None), NULL_POINTER, "from_text NULL")
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as file:
        file.write(text * 3)
    try:
        path = os.fsencode(file.name)
        p.ok(lib.ffibench_word_counts_from_file(path, len(path), byref(other)), "from_file")
        with open(file.name, "wb") as broken:
            broken.write(b"ok \xff")
        p.fails(
            lib.ffibench_word_counts_from_file(path, len(path), byref(copy)),
            INVALID_VALUE,
            "file UTF-8",
        )
    finally:
        os.unlink(file.name)
    missing = b"/nonexistent/words.txt"
    p.fails(lib.ffibench_word_counts_from_file(missing, len(missing), byref(copy)), IO, "no file")
    p.expect(lib.ffibench_last_error_errno() == 2, "errno ENOENT")
    words, lengths = _joined([b"the", b"cat", "ΟΔΟΣ".encode()])
    numbers = (c_uint64 * 3)(5, 6, 7)
    p.ok(
        lib.ffibench_word_counts_from_items(words, len(words), lengths, numbers, 3, byref(copy)),
        "from_items",
    )
    p.fails(
        lib.ffibench_word_counts_from_items(
            words, len(words) - 1, lengths, numbers, 3, byref(c_void_p())
        ),
        INVALID_UTF8,
        "from_items: a character cut",
    )
    p.fails(
        lib.ffibench_word_counts_from_items(words, 8, lengths, numbers, 3, byref(c_void_p())),
        INVALID_VALUE,
        "from_items lengths past the text",
    )
    probe_word_counts_queries(p, t, counts, other, copy)


def probe_word_counts_queries(
    p: Probe, t: dict[str, Any], counts: Any, other: Any, copy: Any
) -> None:
    lib = p.lib
    String = t["String"]
    words, lengths = _joined([b"the", b"cat", "ΟΔΟΣ".encode()])
    size, total, count, found = c_size_t(), c_uint64(), c_uint64(), c_bool()
    p.ok(lib.ffibench_word_counts_len(counts, byref(size)), "len")
    p.fails(lib.ffibench_word_counts_len(None, byref(size)), NULL_POINTER, "len NULL")
    p.ok(lib.ffibench_word_counts_total(counts, byref(total)), "total")
    p.fails(lib.ffibench_word_counts_total(counts, None), NULL_POINTER, "total NULL")
    p.ok(lib.ffibench_word_counts_get(counts, b"the", 3, byref(count), byref(found)), "get")
    p.expect(found.value and count.value == 3, f"get: the x{count.value}")
    p.fails(
        lib.ffibench_word_counts_get(counts, b"\xff", 1, byref(count), byref(found)),
        INVALID_UTF8,
        "get",
    )
    many = (c_uint64 * 3)()
    p.ok(lib.ffibench_word_counts_get_many(counts, words, len(words), lengths, 3, many), "get_many")
    p.fails(
        lib.ffibench_word_counts_get_many(counts, words, 2, lengths, 3, many),
        INVALID_VALUE,
        "get_many",
    )
    out_words, out_lengths, out_counts = String(), (c_size_t * 2)(), (c_uint64 * 2)()
    for by_count in (True, False):
        p.ok(
            lib.ffibench_word_counts_items(
                counts, by_count, 2, byref(out_words), out_lengths, out_counts
            ),
            "items",
        )
        lib.ffibench_string_free(out_words)
    p.fails(
        lib.ffibench_word_counts_items(counts, True, 99, byref(out_words), out_lengths, out_counts),
        INVALID_VALUE,
        "items k > len",
    )
    p.ok(lib.ffibench_word_counts_merge(counts, other), "merge")
    p.ok(lib.ffibench_word_counts_merge(counts, counts), "merge with itself")
    p.fails(lib.ffibench_word_counts_merge(counts, None), NULL_POINTER, "merge NULL")
    huge = (c_uint64 * 1)(2**64 - 1)
    one, full = _joined([b"the"])
    top = c_void_p()
    p.ok(lib.ffibench_word_counts_from_items(one, 3, full, huge, 1, byref(top)), "items max again")
    p.fails(lib.ffibench_word_counts_merge(counts, top), OVERFLOW, "merge overflow")
    p.ok(lib.ffibench_word_counts_equal(counts, counts, byref(found)), "equal")
    p.expect(found.value, "equal to itself")
    p.fails(lib.ffibench_word_counts_equal(counts, None, byref(found)), NULL_POINTER, "equal NULL")
    for handle in (counts, other, copy, top):
        lib.ffibench_word_counts_free(handle)
    lib.ffibench_word_counts_free(None)


def probe_kv_store(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    String, Bytes = t["String"], t["Bytes"]
    size, found = c_size_t(), c_bool()
    Stats = t["KvStats"]
    store = c_void_p()
    p.ok(lib.ffibench_kv_store_new(2, byref(store)), "kv_store_new")
    p.fails(lib.ffibench_kv_store_new(0, None), NULL_POINTER, "kv_store_new NULL")
    p.ok(lib.ffibench_kv_store_set(store, b"a", 1, b"1", 1), "set")
    p.ok(lib.ffibench_kv_store_set(store, b"b", 1, b"22", 2), "set")
    p.ok(lib.ffibench_kv_store_set(store, b"c", 1, None, 0), "set empty value, evicting a")
    p.fails(lib.ffibench_kv_store_set(store, b"\xff", 1, b"x", 1), INVALID_UTF8, "set key")
    p.fails(lib.ffibench_kv_store_set(None, b"a", 1, b"x", 1), NULL_POINTER, "set NULL")
    max_items, lent, lent_len = c_size_t(), c_void_p(), c_size_t()
    p.ok(lib.ffibench_kv_store_len(store, byref(max_items), byref(size)), "kv len")
    p.expect((max_items.value, size.value) == (2, 2), "kv len: bound and items")
    p.ok(
        lib.ffibench_kv_store_get(store, b"b", 1, byref(lent), byref(lent_len), byref(found)), "get"
    )
    p.expect(ctypes.string_at(lent.value or 0, lent_len.value) == b"22", "get: the value")
    p.ok(
        lib.ffibench_kv_store_get(store, b"a", 1, byref(lent), byref(lent_len), byref(found)),
        "miss",
    )
    p.fails(
        lib.ffibench_kv_store_get(store, b"a", 1, None, byref(lent_len), byref(found)),
        NULL_POINTER,
        "get NULL",
    )
    p.ok(lib.ffibench_kv_store_contains(store, b"c", 1, byref(found)), "contains")
    p.fails(
        lib.ffibench_kv_store_contains(store, b"\xc3", 1, byref(found)), INVALID_UTF8, "contains"
    )
    p.ok(lib.ffibench_kv_store_delete(store, b"c", 1, byref(found)), "delete")
    p.fails(lib.ffibench_kv_store_delete(None, b"c", 1, byref(found)), NULL_POINTER, "delete NULL")
    keys, key_lengths = _joined([b"x", b"yy", b"z"])
    values, value_lengths = _joined([b"1", b"", b"333"])
    set_many = lib.ffibench_kv_store_set_many
    p.ok(
        set_many(store, keys, len(keys), key_lengths, values, len(values), value_lengths, 3),
        "set_many",
    )
    p.fails(
        set_many(store, keys, len(keys), key_lengths, values, 1, value_lengths, 3),
        INVALID_VALUE,
        "set_many lengths",
    )
    got, got_lengths = Bytes(), (c_int64 * 3)()
    p.ok(
        lib.ffibench_kv_store_get_many(
            store, keys, len(keys), key_lengths, 3, byref(got), got_lengths
        ),
        "get_many",
    )
    lib.ffibench_bytes_free(got)
    p.fails(
        lib.ffibench_kv_store_get_many(store, keys, 1, key_lengths, 3, byref(got), got_lengths),
        INVALID_VALUE,
        "get_many lengths",
    )
    lib.ffibench_bytes_free(Bytes())  # NULL is ignored
    out_keys, out_values = String(), Bytes()
    item_keys, item_values = (c_size_t * 2)(), (c_size_t * 2)()
    items = lib.ffibench_kv_store_items
    p.ok(items(store, 2, byref(out_keys), item_keys, byref(out_values), item_values), "kv items")
    lib.ffibench_string_free(out_keys)
    lib.ffibench_bytes_free(out_values)
    p.fails(
        items(store, 1, byref(out_keys), item_keys, byref(out_values), item_values),
        INVALID_VALUE,
        "items",
    )
    stats = Stats()
    p.ok(lib.ffibench_kv_store_stats(store, byref(stats)), "stats")
    p.fails(lib.ffibench_kv_store_stats(store, None), NULL_POINTER, "stats NULL")
    p.ok(lib.ffibench_kv_store_set_stats(store, Stats(1, 2, 3)), "set_stats")
    p.fails(lib.ffibench_kv_store_set_stats(None, Stats(1, 2, 3)), NULL_POINTER, "set_stats NULL")
    lib.ffibench_kv_store_free(store)
    lib.ffibench_kv_store_free(None)


def probe_buffers(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    handle, view = c_void_p(), t["View"]()
    for dtype in range(4):
        p.ok(lib.ffibench_buffer_new(33, dtype, 5, byref(handle), byref(view)), f"buffer {dtype}")
        p.expect(view.len == 33, "buffer: its length")
        ctypes.string_at(view.data, view.nbytes)  # every byte is defined
        lib.ffibench_buffer_free(handle)
    p.ok(lib.ffibench_buffer_new(0, 0, 5, byref(handle), byref(view)), "buffer empty")
    lib.ffibench_buffer_free(handle)
    p.fails(lib.ffibench_buffer_new(1, 9, 0, byref(handle), byref(view)), INVALID_VALUE, "dtype 9")
    p.fails(lib.ffibench_buffer_new(2**62, 0, 0, byref(handle), byref(view)), OUT_OF_MEMORY, "huge")
    p.fails(lib.ffibench_buffer_new(1, 0, 0, None, byref(view)), NULL_POINTER, "buffer NULL")
    lib.ffibench_buffer_free(None)


def probe_events(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    Event, Stats = t["Event"], t["EventStats"]
    stream = c_void_p()
    p.ok(lib.ffibench_event_stream_new(False, 0.0, 16, 0, 7, True, byref(stream)), "stream_new")
    p.fails(
        lib.ffibench_event_stream_new(True, -1.0, 16, 1, 0, False, byref(c_void_p())),
        INVALID_VALUE,
        "rate",
    )
    p.fails(
        lib.ffibench_event_stream_new(False, 0.0, 16, 5, 0, False, byref(c_void_p())),
        INVALID_VALUE,
        "policy",
    )
    p.fails(
        lib.ffibench_event_stream_new(False, 0.0, 0, 0, 0, False, byref(c_void_p())),
        INVALID_VALUE,
        "capacity",
    )
    p.fails(
        lib.ffibench_event_stream_new(False, 0.0, 16, 0, 0, False, None), NULL_POINTER, "new NULL"
    )
    p.ok(lib.ffibench_event_stream_start(stream), "start")
    p.fails(lib.ffibench_event_stream_start(stream), INVALID_STATE, "start twice")
    p.fails(lib.ffibench_event_stream_start(None), NULL_POINTER, "start NULL")
    event, outcome = Event(), c_int()
    p.ok(
        lib.ffibench_event_stream_recv(stream, 30_000_000_000, byref(event), byref(outcome)), "recv"
    )
    p.expect(outcome.value == 0 and event.seq == 0, "recv: the first event")
    p.fails(
        lib.ffibench_event_stream_recv(stream, 0, None, byref(outcome)), NULL_POINTER, "recv NULL"
    )
    events, taken = (Event * 8)(), c_size_t()
    p.ok(lib.ffibench_event_stream_poll(stream, events, 8, byref(taken)), "poll")
    p.fails(
        lib.ffibench_event_stream_poll(stream, None, 8, byref(taken)), NULL_POINTER, "poll NULL"
    )
    size, running, stopped, fd, port = c_size_t(), c_bool(), c_bool(), c_int(), c_uint16()
    p.ok(lib.ffibench_event_stream_pending(stream, byref(size)), "pending")
    p.fails(lib.ffibench_event_stream_pending(stream, None), NULL_POINTER, "pending NULL")
    p.ok(lib.ffibench_event_stream_state(stream, byref(running), byref(stopped)), "state")
    p.expect(running.value and not stopped.value, "state: running")
    p.fails(
        lib.ffibench_event_stream_state(None, byref(running), byref(stopped)), NULL_POINTER, "state"
    )
    p.ok(lib.ffibench_event_stream_fd(stream, byref(fd)), "fd")
    p.fails(lib.ffibench_event_stream_fd(stream, None), NULL_POINTER, "fd NULL")
    p.ok(lib.ffibench_event_stream_port(stream, byref(port)), "port")
    p.expect(port.value == 0, "port: 0 for a synthetic stream")
    p.ok(lib.ffibench_event_stream_stop(stream), "stop")
    p.ok(lib.ffibench_event_stream_stop(stream), "stop twice")
    p.fails(lib.ffibench_event_stream_stop(None), NULL_POINTER, "stop NULL")
    while True:  # drain: the queued events stay after stop
        p.ok(lib.ffibench_event_stream_recv(stream, 0, byref(event), byref(outcome)), "drain")
        if outcome.value != 0:
            break
    p.expect(outcome.value == 2, "recv after stop: ended")
    stats = Stats()
    p.ok(lib.ffibench_event_stream_stats(stream, byref(stats)), "stats")
    p.expect(stats.produced == stats.delivered + stats.dropped, "stats add up")
    p.fails(lib.ffibench_event_stream_stats(stream, None), NULL_POINTER, "stats NULL")
    lib.ffibench_event_stream_free(stream)
    never = c_void_p()  # made, never started: freed as is
    p.ok(lib.ffibench_event_stream_new(True, 1000.0, 4, 1, 0, False, byref(never)), "paced new")
    lib.ffibench_event_stream_free(never)
    lib.ffibench_event_stream_free(None)


def probe_udp(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    port = c_uint16()
    udp = c_void_p()
    host = b"127.0.0.1"
    p.ok(lib.ffibench_event_stream_udp(host, len(host), 0, 8, 1, True, byref(udp)), "udp")
    p.ok(lib.ffibench_event_stream_port(udp, byref(port)), "udp port")
    p.expect(port.value > 0, "udp: a port")
    taken_port = port.value
    p.fails(
        lib.ffibench_event_stream_udp(host, len(host), taken_port, 8, 1, True, byref(c_void_p())),
        IO,
        "udp port in use",
    )
    p.fails(
        lib.ffibench_event_stream_udp(b"nohost", 6, 0, 8, 1, True, byref(c_void_p())),
        INVALID_VALUE,
        "host",
    )
    p.fails(
        lib.ffibench_event_stream_udp(b"\xff", 1, 0, 8, 1, True, byref(c_void_p())),
        INVALID_UTF8,
        "host",
    )
    p.ok(lib.ffibench_event_stream_start(udp), "udp start")
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"not a datagram", ("127.0.0.1", taken_port))  # malformed: dropped
    p.ok(lib.ffibench_event_stream_stop(udp), "udp stop")
    lib.ffibench_event_stream_free(udp)


def probe_documents(p: Probe, t: dict[str, Any]) -> None:
    lib = p.lib
    Bytes = t["Bytes"]
    document, again, empty = c_void_p(), c_void_p(), c_void_p()
    p.ok(lib.ffibench_document_new(byref(empty)), "document_new")
    p.fails(lib.ffibench_document_new(None), NULL_POINTER, "document_new NULL")
    p.ok(lib.ffibench_document_generate(2000, 7, byref(document)), "generate")
    p.fails(lib.ffibench_document_generate(2**32 + 1, 7, byref(c_void_p())), INVALID_VALUE, "size")
    json, binary, archive = Bytes(), Bytes(), Bytes()
    p.ok(lib.ffibench_document_to_json(document, byref(json)), "to_json")
    p.ok(lib.ffibench_document_to_bincode(document, byref(binary)), "to_bincode")
    p.ok(lib.ffibench_document_to_archive(document, byref(archive)), "to_archive")
    for name in ("to_json", "to_bincode", "to_archive"):
        function = getattr(lib, f"ffibench_document_{name}")
        p.fails(function(None, byref(Bytes())), NULL_POINTER, f"{name} NULL")
        p.fails(function(document, None), NULL_POINTER, f"{name} NULL out")
        out = Bytes()
        p.ok(function(empty, byref(out)), f"{name} of the empty document")
        lib.ffibench_bytes_free(out)
    p.ok(lib.ffibench_document_from_json(json.ptr, json.len, byref(again)), "from_json")
    lib.ffibench_document_free(again)
    p.ok(lib.ffibench_document_from_bincode(binary.ptr, binary.len, byref(again)), "from_bincode")
    lib.ffibench_document_free(again)
    for cut in (0, 1, json.len // 2, json.len - 1):
        p.fails(
            lib.ffibench_document_from_json(json.ptr, cut, byref(c_void_p())),
            INVALID_VALUE,
            f"json[:{cut}]",
        )
    for cut in (0, 1, binary.len // 2, binary.len - 1):
        p.fails(
            lib.ffibench_document_from_bincode(binary.ptr, cut, byref(c_void_p())),
            INVALID_VALUE,
            "bincode",
        )
    p.fails(
        lib.ffibench_document_from_bincode(json.ptr, json.len, byref(c_void_p())),
        INVALID_VALUE,
        "json as bincode",
    )
    p.fails(
        lib.ffibench_document_from_json(b"\xff", 1, byref(c_void_p())), INVALID_VALUE, "json UTF-8"
    )
    p.fails(lib.ffibench_document_from_json(b"{}", 2, None), NULL_POINTER, "from_json NULL")
    for data in (json, binary, archive):
        lib.ffibench_bytes_free(data)
    for handle in (document, empty):
        lib.ffibench_document_free(handle)
    lib.ffibench_document_free(None)


PROBES = (
    probe_basic,
    probe_arrays,
    probe_matmul,
    probe_person,
    probe_words,
    probe_kv_store,
    probe_buffers,
    probe_events,
    probe_udp,
    probe_documents,
)


def main(argv: list[str]) -> int:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1
    library, types = declarations()
    probe = Probe(Recorder(library))
    for _ in range(rounds):
        for run in PROBES:
            run(probe, types)
    for failure in probe.failures:
        print(f"check failed: {failure}", file=sys.stderr)
    print("called: " + ",".join(sorted(probe.lib.calls)))
    return 1 if probe.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
