"""Differential fuzzing: every public function and method of every scenario, called with
generated arguments of any type, gives the same outcome in every backend.

One hypothesis property per public callable (``test_<scenario>__<callable>``): its arguments
come from the right-typed strategy of each parameter mixed with :func:`fuzzing.anything` (wrong
types, edge values, hostile strings, buffers and arrays, lying subclasses, raising iterators),
and the call runs on every backend; the outcomes must be the spec's (``ffibench.backend
("python")``): the same value (exactly, or within the tolerance the spec states, compared by the
comparator named beside the property) or the same exception class. A method's property compares
the object's state after the call too. The stateful classes have state machines in
``test_differential_state.py``.

``HYPOTHESIS_PROFILE=fuzz`` runs each property for many examples; ``make fuzz-python
SECONDS=N`` (``tools/fuzz_python.py``) drives them coverage-guided with atheris for N seconds.
"""

from __future__ import annotations

import copy
import json
import math
import operator
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ffibench.pure import basic as basic_spec
from ffibench.pure import buffers as buffers_spec
from ffibench.pure import documents as documents_spec
from ffibench.pure import matmul as matmul_spec
from ffibench.scenarios.matmul import within
from fuzzing import (
    MODULES,
    Arg,
    BadLen,
    FlipIndex,
    FloatSub,
    LyingStr,
    OnceList,
    RaisingIndex,
    StrSub,
    _failing_iterator,
    _make_array,
    _short,
    arg,
    canonical,
    const,
    same,
)

#: The largest size a property asks a backend to make (a payroll, an array, a document...):
#: sizes between it and 2**63 are skipped, they only cost time and memory.
SIZE_LIMIT = 2_000


@dataclass(frozen=True)
class Case:
    """A public callable of a scenario: ``call(module, *values)`` on a backend's module, with
    one strategy of :class:`fuzzing.Arg` per parameter."""

    scenario: str
    name: str
    call: Callable[..., Any]
    params: tuple[st.SearchStrategy[Arg], ...]
    #: compares two canonical answers: exact but for floats within ``rtol`` by default
    rtol: float = 0.0
    compare: Callable[[Any, Any, tuple[Any, ...]], bool] | None = None
    #: positions of size-like parameters (see :data:`SIZE_LIMIT`)
    sizes: tuple[int, ...] = ()
    #: turns an answer into the form compared (default :func:`fuzzing.canonical`)
    form: Callable[[Any], Any] = canonical
    #: the backends that offer the callable (the C ABI has no ``Document.from_dict``...)
    backends: tuple[str, ...] | None = None
    examples: list[tuple[Arg, ...]] = field(default_factory=list)


def _too_big(value: Any) -> bool:
    try:
        number = operator.index(value)
    except Exception:
        return False
    return SIZE_LIMIT < number < 2**63


def run_everywhere(case: Case, args: tuple[Arg, ...]) -> dict[str, tuple[str, Any]]:
    """Each backend's outcome of the call: ``("value", form)`` or ``("raises", class)``."""
    outcomes: dict[str, tuple[str, Any]] = {}
    for backend, module in MODULES[case.scenario].items():
        if case.backends is not None and backend not in case.backends:
            continue
        try:
            values = [argument.make(module) for argument in args]
        except Exception as error:  # a recipe of a right-typed object failed: a finding too
            outcomes[backend] = ("raises while making arguments", type(error))
            continue
        try:
            result = case.call(module, *values)
            outcomes[backend] = ("value", case.form(result))
        except Exception as error:
            outcomes[backend] = ("raises", type(error))
        finally:
            for value in values:
                _release(value)
    return outcomes


def _release(value: Any) -> None:
    stop = getattr(type(value), "stop", None)
    if stop is not None and type(value).__name__ == "EventStream":
        value.stop()


def check(case: Case, args: tuple[Arg, ...]) -> None:
    for position in case.sizes:
        values = [argument.make(MODULES[case.scenario]["python"]) for argument in args]
        assume(not _too_big(values[position]))
    outcomes = run_everywhere(case, args)
    expected = outcomes["python"]
    for backend, got in outcomes.items():
        shown = (
            f"{case.scenario}.{case.name}{_short(args)}: {backend} {_short(got)} "
            f"!= python {_short(expected)}"
        )
        if got[0] != "value" or expected[0] != "value":
            assert got == expected, shown
        elif case.compare is not None:
            assert case.compare(got[1], expected[1], args), shown
        else:
            assert same(got[1], expected[1], case.rtol), shown


CASES: list[Case] = []


class Only:
    """A parameter drawn from its right-typed strategy alone: the object a method is called on
    (``anything().method`` is only an AttributeError)."""

    def __init__(self, strategy: st.SearchStrategy[Arg]) -> None:
        self.strategy = strategy


def case(scenario: str, name: str, call: Callable[..., Any], *params: Any, **options: Any) -> None:
    """Declare a property: ``params`` are strategies of right-typed values (or of Args), mixed
    with :func:`fuzzing.anything` unless wrapped in :class:`Only`."""
    strategies = tuple(p.strategy if isinstance(p, Only) else arg(p) for p in params)
    CASES.append(Case(scenario, name, call, strategies, **options))


#: The ``ci`` profile runs each property for this many examples only (plus its FOUND
#: examples): about 90 properties, each a call on five backends, within the suite's budget.
#: ``HYPOTHESIS_PROFILE=fuzz`` (20,000) and ``make fuzz-python`` do the fuzzing.
CI_EXAMPLES = 30
CI = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci"


def _property(case_: Case) -> Callable[..., None]:
    @given(args=st.tuples(*case_.params))
    def test(args: tuple[Arg, ...]) -> None:
        check(case_, args)

    if CI:
        test = settings(max_examples=CI_EXAMPLES)(test)

    for values in case_.examples:
        test = example(args=values)(test)
    test.__name__ = test.__qualname__ = f"test_{case_.scenario}__{case_.name.replace('.', '_')}"
    return test


# -- shared right-typed strategies -----------------------------------------------------------

I64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
SMALL = st.integers(min_value=-3, max_value=60)
FLOAT = st.floats(allow_nan=True, allow_infinity=True)
TEXT = st.text(max_size=60)
WORDY = st.lists(st.sampled_from(["the", "cat", "Hat", "don't", "café", "ǅ", "x1", "über"]),
                 max_size=12).map(" ".join)  # fmt: skip
SEED = st.integers(min_value=0, max_value=2**64 - 1)
SIZE = st.integers(min_value=0, max_value=40)


def method(attribute: str) -> Callable[..., Any]:
    """``instance.attribute(*args)``, and the instance's state after the call."""

    def call(_module: Any, instance: Any, *args: Any) -> Any:
        return (getattr(instance, attribute)(*args), instance)

    call.__name__ = attribute
    return call


def function(attribute: str) -> Callable[..., Any]:
    return lambda module, *args: getattr(module, attribute)(*args)


def copies(instance: Any) -> Any:
    """What every copy protocol makes of ``instance``: copy, deepcopy and a pickle round trip."""
    return (
        copy.copy(instance),
        copy.deepcopy(instance),
        pickle.loads(pickle.dumps(instance)),
        instance,
    )


# -- basic -----------------------------------------------------------------------------------

for _name, _params in {
    "identity": (I64,),
    "add": (I64, I64),
    "fib": (SMALL,),
    "count_primes": (st.integers(-5, 100_000),),
    "compound_interest": (FLOAT, FLOAT, FLOAT, st.integers(-2, 400)),
    "projectile_range": (FLOAT, FLOAT),
    "reverse": (TEXT,),
    "to_upper": (TEXT,),
    "count_vowels": (TEXT,),
    "is_palindrome": (TEXT,),
    "word_count": (TEXT,),
    "is_prime": (I64,),
    "is_leap_year": (I64,),
    "majority": (st.booleans(), st.booleans(), st.booleans()),
}.items():
    case("basic", _name, function(_name), *_params, rtol=basic_spec.FLOAT_RTOL,
         sizes=(0,) if _name == "count_primes" else ())  # fmt: skip


# -- person ----------------------------------------------------------------------------------

NAME = st.one_of(st.sampled_from(["Ada", "Grace", "Édouard", "李", "x" * 256, "x" * 257, ""]), TEXT)
AGE = st.integers(-2, 152)
SALARY = st.one_of(st.floats(min_value=0, max_value=1e7), FLOAT)


def _person(name: Any, age: Any, salary: Any, kind: str = "Person") -> Arg:
    return Arg(
        lambda m: getattr(m, kind)(name, age, salary), f"{kind}({name!r}, {age!r}, {salary!r})"
    )


VALID_PERSON = st.builds(_person, st.sampled_from(["Ada", "Grace", "Ω"]), st.integers(0, 150),
                         st.floats(0, 1e6))  # fmt: skip
VALID_RECORD = st.builds(
    lambda n, a, s: _person(n, a, s, "PersonRecord"),
    st.sampled_from(["Ada", "Grace", "Ω"]),
    st.integers(0, 150),
    st.floats(0, 1e6),
)


def _payroll(n: int, seed: int, extra: list[Arg]) -> Arg:
    def make(module: Any) -> Any:
        payroll = module.Payroll.generate(n, seed)
        for person in extra:
            payroll.append(person.make(module))
        return payroll

    return Arg(make, f"Payroll.generate({n}, {seed}) + {extra!r}")


PAYROLL = st.builds(_payroll, st.integers(0, 30), SEED, st.lists(VALID_PERSON, max_size=3))

for _kind in ("Person", "PersonRecord"):
    case("person", _kind, lambda m, n, a, s, k=_kind: getattr(m, k)(n, a, s), NAME, AGE, SALARY)

for _field, _values in {"name": NAME, "age": AGE, "salary": SALARY}.items():

    def _set(_module: Any, person: Any, value: Any, field_: str = _field) -> Any:
        setattr(person, field_, value)
        return person

    case("person", f"Person.set_{_field}", _set, Only(VALID_PERSON), _values)


def _set_record(_module: Any, record: Any, value: Any) -> Any:
    record.age = value
    return record


def _delete(_module: Any, person: Any) -> Any:
    del person.name
    return person


def _eq(_module: Any, left: Any, right: Any) -> Any:
    """``__eq__`` and ``__ne__`` themselves (``NotImplemented`` for a foreign object), and the
    operators ``==`` and ``!=``, except against NumPy objects: NumPy's reflected comparison
    reads a Python class with ``__len__`` and ``__getitem__`` (the spec's and the C-ABI
    WordCounts) as a sequence, and a PyO3 class (no sequence slot) as a scalar, so the answer
    there is NumPy's, not the class's."""
    direct = (left.__eq__(right), left.__ne__(right))
    if isinstance(right, np.ndarray | np.generic):
        return direct
    return (*direct, left == right, left != right)


case("person", "PersonRecord.set_age", _set_record, Only(VALID_RECORD), AGE)
case("person", "Person.delete_name", _delete, Only(st.one_of(VALID_PERSON, VALID_RECORD)))
case("person", "Person.eq", _eq, Only(st.one_of(VALID_PERSON, VALID_RECORD)),
     st.one_of(VALID_PERSON, VALID_RECORD))  # fmt: skip
case("person", "PersonRecord.hash", lambda _m, r: hash(r), Only(VALID_RECORD))
case("person", "Person.repr", lambda _m, p: repr(p), Only(st.one_of(VALID_PERSON, VALID_RECORD)))
case(
    "person", "Person.copies", lambda _m, p: copies(p), Only(st.one_of(VALID_PERSON, VALID_RECORD))
)
case("person", "Payroll.generate", lambda m, n, s: m.Payroll.generate(n, s), SIZE, SEED,
     sizes=(0,))  # fmt: skip
case("person", "Payroll.len", lambda _m, p: len(p), Only(PAYROLL))
case("person", "Payroll.getitem", lambda _m, p, i: p[i], Only(PAYROLL), st.integers(-35, 35))
case("person", "Payroll.iter", lambda _m, p: list(p), Only(PAYROLL))
case("person", "Payroll.copies", lambda _m, p: copies(p), Only(PAYROLL))
case("person", "Payroll.setstate", method("__setstate__"), Only(PAYROLL),
     st.lists(st.tuples(NAME, AGE, SALARY), max_size=3))  # fmt: skip
case(
    "person",
    "Payroll.append",
    method("append"),
    Only(PAYROLL),
    st.one_of(VALID_PERSON, VALID_RECORD),
)
case("person", "Payroll.total_salary", method("total_salary"), Only(PAYROLL))
case("person", "Payroll.mean_salary_by_age_band", method("mean_salary_by_age_band"), Only(PAYROLL),
     st.integers(-2, 200))  # fmt: skip
case("person", "Payroll.give_raise", method("give_raise"), Only(PAYROLL),
     st.one_of(FLOAT, st.floats(-100, 100)), st.one_of(AGE, I64))  # fmt: skip
case("person", "Payroll.top_earners", method("top_earners"), Only(PAYROLL), st.integers(-2, 40))
case("person", "Payroll.ages", lambda _m, p: p.ages().tolist(), Only(PAYROLL))
case("person", "Payroll.salaries", lambda _m, p: p.salaries().tolist(), Only(PAYROLL))


# -- arrays ----------------------------------------------------------------------------------

FLOATS_LIST = st.lists(FLOAT, max_size=300)
XS = st.one_of(
    FLOATS_LIST,
    FLOATS_LIST.map(lambda xs: const(np.array(xs, dtype=np.float64), f"np.array({xs!r})")),
    FLOATS_LIST.map(lambda xs: const(tuple(xs))),
    st.lists(st.floats(-1e6, 1e6), max_size=300),
)
for _name in ("sum", "mean", "std", "min", "max", "normalize"):
    case("arrays", _name, function(_name), XS)
case("arrays", "filter_greater", function("filter_greater"), XS, FLOAT)
for _name in ("generate", "generate_list"):
    case("arrays", _name, function(_name), SIZE, SEED, st.sampled_from(["uniform", "normal"]),
         sizes=(0,))  # fmt: skip


# -- words -----------------------------------------------------------------------------------

WORD_TEXT = st.one_of(WORDY, TEXT)


def _counts(text: str) -> Arg:
    return Arg(lambda m: m.WordCounts.from_text(text), f"WordCounts.from_text({text!r})")


COUNTS = st.builds(_counts, WORD_TEXT)
WORD = st.one_of(st.sampled_from(["the", "cat", "hat", "don't", "café"]), TEXT)
KEY = st.one_of(st.sampled_from(["a", "b", "c"]), TEXT)
VALUE = st.one_of(st.binary(max_size=20), st.sampled_from([b"", b"v"]))


def _once_list(items: list[Any]) -> Arg:
    return Arg(lambda _m: OnceList(items), f"OnceList({items!r})")


def _store(max_items: int | None, pairs: list[tuple[str, bytes]]) -> Arg:
    def make(module: Any) -> Any:
        store = module.KeyValueStore(max_items)
        store.set_many(pairs)
        return store

    return Arg(make, f"KeyValueStore({max_items!r}) + {pairs!r}")


STORE = st.builds(
    _store,
    st.one_of(st.none(), st.integers(1, 4)),
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "é"]), VALUE), max_size=6),
)

case("words", "WordCounts.from_text", lambda m, t: m.WordCounts.from_text(t), WORD_TEXT)
case("words", "WordCounts.from_file", lambda m, p: m.WordCounts.from_file(p),
     st.sampled_from(["/nonexistent/file", "/", "", "README.md", "tests/data"]))  # fmt: skip
case("words", "WordCounts.new", lambda m: m.WordCounts())
case("words", "WordCounts.getitem", lambda _m, c, w: c[w], Only(COUNTS), WORD)
case("words", "WordCounts.get", method("get"), Only(COUNTS), WORD, st.integers())
case("words", "WordCounts.contains", lambda _m, c, w: w in c, Only(COUNTS), WORD)
case("words", "WordCounts.len", lambda _m, c: len(c), Only(COUNTS))
case("words", "WordCounts.iter", lambda _m, c: list(c), Only(COUNTS))
case("words", "WordCounts.items", method("items"), Only(COUNTS))
case("words", "WordCounts.to_dict", method("to_dict"), Only(COUNTS))
case("words", "WordCounts.total", method("total"), Only(COUNTS))
case("words", "WordCounts.most_common", method("most_common"), Only(COUNTS), st.integers(-2, 20))
case("words", "WordCounts.get_many", method("get_many"), Only(COUNTS), st.lists(WORD, max_size=5))
case("words", "WordCounts.merge", method("merge"), Only(COUNTS), COUNTS)
case("words", "WordCounts.eq", _eq, Only(COUNTS), COUNTS)
case("words", "WordCounts.copies", lambda _m, c: copies(c), Only(COUNTS))
case("words", "KeyValueStore.new", lambda m, n: m.KeyValueStore(n),
     st.one_of(st.none(), st.integers(-2, 10)))  # fmt: skip
case("words", "KeyValueStore.set", method("set"), Only(STORE), KEY, VALUE)
case("words", "KeyValueStore.get", method("get"), Only(STORE), KEY, st.integers())
case("words", "KeyValueStore.delete", method("delete"), Only(STORE), KEY)
case("words", "KeyValueStore.contains", lambda _m, s, k: k in s, Only(STORE), KEY)
case("words", "KeyValueStore.len", lambda _m, s: len(s), Only(STORE))
case("words", "KeyValueStore.set_many", method("set_many"), Only(STORE),
     st.lists(st.tuples(KEY, VALUE), max_size=5))  # fmt: skip
case("words", "KeyValueStore.get_many", method("get_many"), Only(STORE), st.lists(KEY, max_size=5))
case("words", "KeyValueStore.keys", method("keys"), Only(STORE))
case("words", "KeyValueStore.stats", method("stats"), Only(STORE))
case("words", "KeyValueStore.copies", lambda _m, s: copies(s), Only(STORE))
case("words", "KeyValueStore.setstate", method("__setstate__"), Only(STORE),
     st.tuples(st.lists(st.tuples(KEY, VALUE), max_size=3), st.integers(-1, 5),
               st.integers(-1, 5), st.integers(-1, 5)))  # fmt: skip


# -- documents -------------------------------------------------------------------------------


def _record(size: int, seed: int, change: tuple[str, Any] | None) -> Any:
    record = documents_spec.generate(size, seed)
    if change is not None:
        record[change[0]] = change[1]
    return record


def _json_form(value: Any) -> Any:
    """A JSON text by what it says: backends may write a float's text differently."""
    if isinstance(value, tuple) and isinstance(value[0], bytes):
        return ("json", canonical(json.loads(value[0])), canonical(value[1]))
    return canonical(value)


#: The backends with ``from_dict``, ``to_dict`` and ``DocumentView``: the C ABI sees no Python
#: objects (``ffibench.backends._capi.documents.NOT_APPLICABLE`` says why).
DIRECT = ("python", "pyo3")

#: The backends with ``from_dict``, ``to_dict`` and ``DocumentView``: the C ABI sees no Python
#: objects (``ffibench.backends._capi.documents.NOT_APPLICABLE`` says why).
DIRECT = ("python", "pyo3")

RECORD = st.builds(
    _record,
    st.integers(0, 3_000),
    SEED,
    st.one_of(
        st.none(),
        st.tuples(st.sampled_from(documents_spec.FIELDS), st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), FLOAT, TEXT),
            lambda inner: st.one_of(st.lists(inner, max_size=3),
                                    st.dictionaries(TEXT, inner, max_size=3)),
            max_leaves=6)),
    ),
)  # fmt: skip


def _document(record: Any) -> Arg:
    text = json.dumps(record, allow_nan=True)
    return Arg(lambda m: m.Document.from_json(text), f"Document.from_json({text!r})")


DOCUMENT = st.builds(_document, RECORD)


def _json_bytes(record: Any, mangle: int) -> Arg:
    text = json.dumps(record, allow_nan=True).encode()
    if mangle > 0:
        text = text[: len(text) * mangle // 8]
    return const(text)


def _bincode(record: Any, cut: int, flip: int) -> Arg:
    try:
        data = bytearray(documents_spec.Document.from_dict(record).to_bincode())
    except ValueError:
        return const(b"\x01\x02")
    if data and flip >= 0:
        data[flip % len(data)] ^= 0xFF
    return const(bytes(data[: len(data) - cut] if cut else data))


def _archive(document: Arg, cut: int) -> Arg:
    def make(module: Any) -> Any:
        data = document.make(module).to_archive()
        return data[: len(data) - cut] if cut else data

    return Arg(make, f"{document!r}.to_archive()[:-{cut}]")


case("documents", "generate", function("generate"), st.integers(-1, 3_000), SEED, sizes=(0,))
case("documents", "Document.new", lambda m: m.Document())
case(
    "documents", "Document.from_dict", lambda m, d: m.Document.from_dict(d), RECORD, backends=DIRECT
)
case("documents", "Document.to_dict", lambda _m, d: d.to_dict(), Only(DOCUMENT), backends=DIRECT)
case("documents", "Document.from_json", lambda m, d: m.Document.from_json(d),
     st.one_of(st.builds(_json_bytes, RECORD, st.integers(0, 7)),
               RECORD.map(lambda r: const(json.dumps(r, allow_nan=True)))))  # fmt: skip
case("documents", "Document.from_bincode", lambda m, d: m.Document.from_bincode(d),
     st.builds(_bincode, RECORD, st.integers(0, 3), st.integers(-4, 10_000)))  # fmt: skip
case(
    "documents", "Document.to_json", lambda _m, d: (d.to_json(), d), Only(DOCUMENT), form=_json_form
)
case("documents", "Document.to_bincode", method("to_bincode"), Only(DOCUMENT))
case("documents", "Document.copies", lambda _m, d: copies(d), Only(DOCUMENT))
case(
    "documents",
    "DocumentView",
    lambda m, a: m.DocumentView(a),
    st.builds(_archive, DOCUMENT, st.integers(0, 5)),
    backends=DIRECT,
)
case(
    "documents",
    "to_archive",
    lambda m, d: m.DocumentView(d.to_archive()).to_dict(),
    Only(DOCUMENT),
    backends=DIRECT,
)


def plain(value: Any) -> Any:
    """A view's field as plain lists and dicts (the Rust view's are lazy ``View`` objects,
    the python view's new lists and dict subclasses), read through ``len``, iteration,
    ``keys`` and indexing only."""
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return value
    try:
        keys = value.keys()
    except Exception:
        return [len(value), [plain(item) for item in value]]
    return [len(value), list(value), {key: plain(value[key]) for key in keys}]


def _view_read(_module: Any, view: Any, field_: Any, index: Any) -> Any:
    value = view[field_]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return (plain(value), plain(value[index]))


def _view(document: Arg) -> Arg:
    return Arg(lambda m: m.DocumentView(document.make(m).to_archive()), f"view of {document!r}")


VIEW = st.builds(_view, DOCUMENT)
case("documents", "DocumentView.getitem", _view_read, Only(VIEW),
     st.one_of(st.sampled_from(documents_spec.FIELDS), TEXT),
     st.one_of(st.integers(-4, 4), st.sampled_from(["lr", "name", "shape", "loss"])),
     backends=DIRECT)  # fmt: skip
case("documents", "DocumentView.protocols",
     lambda _m, v: (len(v), list(v), v.keys(), v.to_dict(), pickle.loads(pickle.dumps(v))),
     Only(VIEW), backends=DIRECT)  # fmt: skip


# -- buffers ---------------------------------------------------------------------------------


def _buffer_values(result: Any, dtype: str) -> Any:
    """``(kind, values)`` of a buffers answer: its values as an array of ``dtype`` (a list's
    items must be plain floats or ints, as :func:`buffers_spec.same_values` says)."""
    if isinstance(result, list):
        kinds = {type(value) for value in result}
        if kinds - {float if dtype.startswith("float") else int}:
            return ("list of " + ", ".join(sorted(k.__name__ for k in kinds)), None)
        return ("list", np.array(result, dtype=dtype))
    if isinstance(result, bytes):
        return ("bytes", np.frombuffer(result, dtype=dtype))
    if isinstance(result, np.ndarray):
        return ("ndarray", result, result.flags.c_contiguous)
    if type(result).__name__ == "Buffer":
        return ("Buffer", np.asarray(result), len(result), result.dtype, result.nbytes)
    return ("other", result)


def _same_buffers(ours: Any, theirs: Any, args: tuple[Arg, ...]) -> bool:
    """The same kinds of answer holding the same values within the spec's ULPS
    (:func:`ffibench.pure.buffers.same_values`: the normal draws go through ``log``, ``sqrt``
    and ``cos``, which may round differently in NumPy and in Rust's libm)."""
    if isinstance(ours, tuple) and isinstance(theirs, tuple) and len(ours) == len(theirs):
        if ours and ours[0] in ("list", "bytes", "ndarray", "Buffer"):
            if ours[0] != theirs[0] or ours[2:] != theirs[2:]:
                return False
            return buffers_spec.same_values(ours[1], theirs[1])
        return all(_same_buffers(a, b, args) for a, b in zip(ours, theirs, strict=True))
    return same(canonical(ours), canonical(theirs))


def _raw(result: Any) -> Any:
    """No canonical form: the comparator reads the answer itself."""
    return result


DTYPE = st.one_of(st.none(), st.sampled_from(["float64", "float32", "int64", "uint8"]))
for _name in ("generate", "generate_list", "generate_bytes", "Buffer"):
    case("buffers", _name,
         lambda m, n, d, s, f=_name: _buffer_values(getattr(m, f)(n, d, s), d or "float64"),
         SIZE, DTYPE, st.one_of(st.none(), SEED), sizes=(0,), form=_raw,
         compare=_same_buffers)  # fmt: skip


def _buffer(n: int, dtype: str | None, seed: int) -> Arg:
    return Arg(lambda m: m.Buffer(n, dtype, seed), f"Buffer({n}, {dtype!r}, {seed})")


BUFFER = st.builds(_buffer, SIZE, DTYPE, SEED)
case("buffers", "Buffer.protocols",
     lambda _m, b: tuple(_buffer_values(x, b.dtype) for x in (b, np.asarray(b))),
     Only(BUFFER), form=_raw, compare=_same_buffers)  # fmt: skip
case("buffers", "Buffer.copies", lambda _m, b: tuple(_buffer_values(x, b.dtype) for x in
     copies(b)), Only(BUFFER), form=_raw, compare=_same_buffers)  # fmt: skip
case("buffers", "Buffer.dlpack",
     lambda _m, b, v: _buffer_values(np.from_dlpack(b, copy=v), b.dtype), Only(BUFFER),
     st.one_of(st.none(), st.booleans()), form=_raw, compare=_same_buffers)  # fmt: skip


def _arrow(_module: Any, buffer: Any, schema: Any) -> Any:
    import pyarrow

    if schema is None:
        return _buffer_values(pyarrow.array(buffer).to_numpy(), buffer.dtype)
    return buffer.__arrow_c_array__(schema)


case("buffers", "Buffer.arrow", _arrow, Only(BUFFER), st.none(), form=_raw, compare=_same_buffers)


# -- events ----------------------------------------------------------------------------------

RATE = st.one_of(st.none(), st.floats(1.0, 1e9), FLOAT)
CAPACITY = st.integers(-1, 1 << 10)
POLICY = st.sampled_from(["block", "drop", "Block"])


def _stream(capacity: int, policy: str, seed: int, payload: bool) -> Arg:
    return Arg(lambda m: m.EventStream(None, capacity, policy, seed, payload),
               f"EventStream(None, {capacity}, {policy!r}, {seed}, {payload})")  # fmt: skip


STREAM = st.builds(_stream, st.integers(1, 64), st.sampled_from(["block", "drop"]), SEED,
                   st.booleans())  # fmt: skip

case("events", "EventStream", lambda m, *a: m.EventStream(*a), RATE, CAPACITY, POLICY, SEED,
     st.booleans())  # fmt: skip
case("events", "EventStream.udp",
     lambda m, h, p, *a: _udp_form(m.EventStream.udp(h, p, *a)),
     st.sampled_from(["127.0.0.1", "localhost", "::1", "256.0.0.1", "127.0.0.1 "]),
     st.just(0), CAPACITY, POLICY, st.booleans())  # fmt: skip


def _udp_form(stream: Any) -> Any:
    try:
        return (stream.port > 0, stream)
    finally:
        stream.stop()


def _poll_stopped(_module: Any, stream: Any, max_events: Any, which: str) -> Any:
    """A stream stopped before it started: nothing comes, whatever the argument's fate."""
    stream.stop()
    if which == "recv":
        return (stream.recv(max_events), stream)
    result = getattr(stream, which)(max_events)
    return (len(result), stream)


case(
    "events",
    "EventStream.poll",
    _poll_stopped,
    Only(STREAM),
    st.one_of(st.none(), st.integers(-1, 100)),
    st.sampled_from(["poll", "poll_tuples"]),
)
case("events", "EventStream.recv", _poll_stopped, Only(STREAM),
     st.one_of(st.none(), st.floats(0, 0.001)), st.just("recv"))  # fmt: skip
case("events", "EventStream.protocols",
     lambda _m, s: (s.stats(), len(s), s.port, s.capacity, s.policy, s.payload, s.running,
                    s.stopped), Only(STREAM))  # fmt: skip
case("events", "EventStream.copies", lambda _m, s: copies(s), Only(STREAM))


# -- matmul ----------------------------------------------------------------------------------


def _same_product(ours: Any, theirs: Any, args: tuple[Arg, ...]) -> bool:
    """Within twice the spec's bound of the spec's product (``matmul_spec.tolerance``), NaN and
    infinities where the spec has them, except the entries the spec leaves unspecified."""
    values = [argument.make(MODULES["matmul"]["python"]) for argument in args]
    if ours[:4] != theirs[:4]:
        return False
    with np.errstate(all="ignore"):
        reference = matmul_spec.matmul(*values)
        mine = np.array(_floats(ours[4]), dtype=np.float64).reshape(reference.shape)
        bound = matmul_spec.tolerance(*values, reference.dtype)
        free = matmul_spec.unspecified(*values)
    return within(mine, reference, bound, free)


def _floats(form: Any) -> Any:
    if isinstance(form, tuple) and form[0] == "list":
        return [_floats(item) for item in form[1]]
    return form.value


def _matrix(rows: int, cols: int, dtype: str, values: list[float], layout: str) -> Arg:
    def make(_module: Any) -> Any:
        flat = (values * (rows * cols // max(len(values), 1) + 1))[: rows * cols]
        matrix = np.array(flat, dtype=np.float64).reshape(rows, cols).astype(dtype)
        if layout == "F":
            return np.asfortranarray(matrix)
        if layout == "list":
            return matrix.astype(np.float64).tolist()
        if layout == "big-endian":
            return matrix.astype(matrix.dtype.newbyteorder(">"))
        return matrix

    return Arg(make, f"matrix({rows}x{cols} {dtype} {layout} of {values!r})")


MATRIX_VALUES = st.lists(st.one_of(st.floats(-1e3, 1e3), FLOAT), min_size=1, max_size=20)
LAYOUT = st.sampled_from(["C", "F", "list", "big-endian"])
case("matmul", "matmul", lambda m, a, b: m.matmul(a, b),
     st.builds(_matrix, st.integers(0, 5), st.just(3), st.sampled_from(["float64", "float32"]),
               MATRIX_VALUES, LAYOUT),
     st.builds(_matrix, st.just(3), st.integers(0, 5), st.sampled_from(["float64", "float32"]),
               MATRIX_VALUES, LAYOUT),
     compare=_same_product)  # fmt: skip


# -- every disagreement found, replayed on every run ----------------------------------------

_OUT_OF_RANGE = const(2**63)
#: ``(scenario, callable) -> [arguments]``: the inputs on which backends disagreed, each fixed.
FOUND: dict[tuple[str, str], list[tuple[Arg, ...]]] = {
    # cffi converted both ints before checking either's range: b's TypeError won over a's
    # OverflowError
    ("basic", "add"): [(_OUT_OF_RANGE, const(None)), (const(-(2**63) - 1), const(None)),
                       (_OUT_OF_RANGE, Arg(lambda _m: RaisingIndex(), "RaisingIndex()"))],
    # cffi ran index(periods) before converting the floats
    ("basic", "compound_interest"): [
        (const(0.0), const(0.0), const(None), Arg(lambda _m: RaisingIndex(), "RaisingIndex()")),
        (const(1.5), Arg(lambda _m: RaisingIndex(), "RaisingIndex()"), const(math.nan),
         const(FloatSub(1.5), "FloatSub(1.5)")),
    ],
    # PyO3's unpacking of a pickled store's state made any error of __iter__ a TypeError
    ("words", "KeyValueStore.setstate"): [(_store(None, []), Arg(lambda _m: BadLen(), "BadLen()"))],
    # NumPy's str_ has a __float__ that parses: the spec read np.str_("abc") as a float
    # (ValueError) where PyO3 and cffi said TypeError, as for any str
    ("basic", "projectile_range"): [(const(0.0), const(np.str_("abc"))),
                                    (const(0.0), const(np.bytes_(b"1")))],
    ("arrays", "filter_greater"): [(const([]), const(np.str_("abc"))),
                                   # PyO3 read threshold before xs
                                   (const(np.float64(math.nan)), const({}))],
    # PyO3 extracted n (i64) and seed (u64) in the signature, before the spec's order
    ("arrays", "generate"): [(const(-(2**63) - 1), const(1), const(None)),
                             (const(2**1000), const("x"), const(False))],
    ("arrays", "generate_list"): [(const(2**1000), const("🦀🐍"), const(False))],
    ("person", "Payroll.generate"): [(const(None), const(-1)), (const("٣٤"), const(2**64))],
    # PyO3 checked every type in the signature before the values: the spec checks each
    # argument whole, in order
    ("events", "EventStream"): [(const(FloatSub(math.nan), "FloatSub(nan)"), const(1),
                                 const("block"), const(0), const(False)),
                                (const(None), const(1), const("Block"), const(0), const(None)),
                                (const(None), const(49), const("Block"), const(math.nan),
                                 const(False))],
    ("events", "EventStream.udp"): [
        (const("localhost"), const(0), const(None), const("block"), const(False)),
        (const("127.0.0.1"), const(0), const(1), const("Block"), const(None)),
    ],
    # the spec read a float subclass through its own __float__ (FloatSub(nan) as 2.5): PyO3
    # reads the value it holds, as basic's as_f64 says every backend does
    ("events", "EventStream.recv"): [
        (_stream(1, "block", 0, False), const(FloatSub(math.nan), "FloatSub(nan)"), const("recv")),
    ],
    # the C-ABI from_file encoded the path with os.fsencode, which calls a subclass's own
    # encode: a str subclass could name another file than the text it holds
    ("words", "WordCounts.from_file"): [(const(StrSub("\ud800"), "StrSub('\\ud800')"),)],
    # PyO3's generated __ne__ negated `counts == array` (an array): ValueError
    ("words", "WordCounts.eq"): [(_counts("0"), _make_array("f64")),
                                 (_counts(""), const(np.int64(5), "np.int64(5)"))],
    # the C-ABI get_many drained an iterator before checking its items: the iterator's own
    # error won over the first bad item's TypeError
    ("words", "WordCounts.get_many"): [(_counts(""), _failing_iterator([1.0, 2.0]))],
    ("words", "KeyValueStore.get_many"): [(_store(None, []), _failing_iterator([1.0, 2.0]))],
    # the C-ABI Person compared its fields with any object whose class is a base of its own
    # (object() included): AttributeError instead of NotImplemented (False)
    ("person", "Person.eq"): [(_person("Ada", 0, 0.0), const(object(), "object()")),
                              (_person("Ada", 36, 5200.0, "PersonRecord"), _make_array("f64")),
                              (_person("Ada", 36, 5200.0), _make_array("f64")),
                              (_person("Ada", 91, 1e-304, "PersonRecord"), _make_array("0-d"))],
}  # fmt: skip

#: What the hostile review of these changes found (issue 16), each fixed: the spec read a str
#: subclass's membership through its own __eq__ and its policy through its own __str__ (the
#: backends read the text it holds); cffi converted an argument a second time to find which
#: error was due; the C-ABI get_many iterated a list subclass again after its fast path failed.
_HUGE = const(10**5000, "10**5000")
REVIEWED: dict[tuple[str, str], list[tuple[Arg, ...]]] = {
    ("arrays", "generate"): [(const(2), const(1), const(LyingStr("x"), "LyingStr('x')")),
                             (_HUGE, const(1), const("normal"))],
    ("arrays", "generate_list"): [(const(2), const(1),
                                   const(LyingStr("normal"), "LyingStr('normal')"))],
    ("events", "EventStream"): [(const(None), const(16),
                                 const(LyingStr("drop"), "LyingStr('drop')"), const(0),
                                 const(False))],
    ("basic", "add"): [(Arg(lambda _m: FlipIndex(), "FlipIndex()"), const(None)),
                       (_HUGE, const(1))],
    # an int past Python's limit on digits: the spec's message made a ValueError of the
    # OverflowError every backend raises
    ("basic", "identity"): [(_HUGE,)],
    ("person", "Payroll.generate"): [(_HUGE, const(1)), (const(1), _HUGE)],
    ("basic", "compound_interest"): [(const(1.0), const(0.5), const(2.0),
                                      Arg(lambda _m: FlipIndex(), "FlipIndex()"))],
    ("words", "KeyValueStore.get_many"): [(_store(None, []), _once_list(["a", 1]))],
    ("words", "WordCounts.get_many"): [(_counts(""), _once_list(["a", 1]))],
}  # fmt: skip
for _key, _cases in REVIEWED.items():
    FOUND.setdefault(_key, []).extend(_cases)

for _case in CASES:
    for _args in FOUND.get((_case.scenario, _case.name), []):
        _case.examples.append(_args)
    globals()[_property(_case).__name__] = _property(_case)


def test_every_public_callable_has_a_property() -> None:
    """Each public name of every scenario's spec module that every backend has is called by
    some property (constants and the spec's own helpers aside)."""
    import ffibench

    covered = {(c.scenario, c.name.split(".")[0]) for c in CASES}
    for scenario, modules in MODULES.items():
        names = set.intersection(*(set(getattr(m, "__all__", ())) for m in modules.values()))
        public = {n for n in names if callable(getattr(modules["python"], n)) and not n.isupper()}
        missing = {n for n in public if (scenario, n) not in covered}
        assert not missing, f"{scenario}: no property calls {sorted(missing)}"
    assert tuple(MODULES["basic"]) == ffibench.BACKENDS
