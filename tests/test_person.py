"""Scenario 2: every backend's Person and Payroll behave as the spec's, errors included.

Answers of different backends are compared as plain records (``(name, age, salary)``), since a
PyO3 Person and a spec Person are different classes. The column views of the Rust backends are
held to their lifetime contract: no copy, read-only, the payroll kept alive, no growth while
a view exists.
"""

from __future__ import annotations

import contextlib
import copy
import doctest
import gc
import importlib
import math
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffibench
from conftest import RUST_BACKENDS
from ffibench import scenarios
from ffibench.harness import timing
from ffibench.harness.run import Task, _check_and_time
from ffibench.pure import person as spec
from ffibench.scenarios import person as person_scenario
from ffibench.scenarios.person import record, same_payroll, same_records
from outcomes import outcome
from probes import rss_growth_kib, run_probe

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = scenarios.get("person")
ADA = ("Ada", 36, 5200.0)


def assert_same(spec_call: Any, backend_call: Any) -> None:
    """Both raise the same class, or both return equal records."""
    expected, got = outcome(spec_call), outcome(backend_call)
    if "raises" in (expected[0], got[0]):
        assert got == expected
    else:
        assert same_records(got[1], expected[1]), f"{got[1]!r} != {expected[1]!r}"


def payroll_of(module: Any, rows: list[tuple[str, int, float]]) -> Any:
    payroll = module.Payroll()
    for row in rows:
        payroll.append(module.Person(*row))
    return payroll


# --- the spec itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", [spec, *(f"ffibench.backends.{name}.person" for name in RUST_BACKENDS[1:])]
)
def test_docstring_examples_hold(module: Any) -> None:
    if isinstance(module, str):
        module = importlib.import_module(module)
    failures, tried = doctest.testmod(module)
    assert tried >= 4
    assert failures == 0


def test_generated_values_are_the_rust_cores() -> None:
    # The same table is asserted in crates/core/src/person.rs.
    payroll = spec.Payroll.generate(4, 42)
    assert [(p.name, p.age, p.salary) for p in payroll] == [
        ("José", 59, 7084.01),
        ("Jasper", 18, 6069.23),
        ("Mateo", 26, 7828.23),
        ("Siobhán", 25, 4722.48),
    ]
    assert payroll.total_salary() == 25_703.95
    assert payroll.mean_salary_by_age_band(10) == {10: 6069.23, 20: 6275.355, 50: 7084.01}


def test_names_are_the_rust_cores() -> None:
    source = (ROOT / "crates" / "core" / "src" / "person.rs").read_text()
    block = re.search(r"pub const NAMES: \[&str; (\d+)\] = \[(.*?)\];", source, re.S)
    assert block is not None
    assert re.findall(r'"([^"]*)"', block.group(2)) == list(spec.NAMES)
    assert int(block.group(1)) == len(spec.NAMES)


def test_items_are_copies_and_top_earners_are_stable() -> None:
    payroll = spec.Payroll.generate(200, 3)
    copy = payroll[0]
    copy.age = 150 if copy.age != 150 else 0
    assert payroll[0].age != copy.age, "items are copies: writing one leaves the table alone"
    ties = payroll_of(spec, [("A", 1, 1.0), ("B", 1, 3.0), ("C", 1, 1.0), ("D", 1, 3.0)])
    assert [p.name for p in ties.top_earners(3)] == ["B", "D", "A"]


# --- Person, every backend --------------------------------------------------------------------


def test_person_reads_writes_compares_and_prints(backend: ffibench.Backend) -> None:
    Person = backend.person.Person
    ada = Person(*ADA)
    assert (ada.name, ada.age, ada.salary) == ADA
    assert type(ada.age) is int and type(ada.salary) is float
    ada.age += 1
    ada.name = "Ada Lovelace"
    ada.salary = 6000  # an int is a number: stored as a float
    assert record(ada) == ("Ada Lovelace", 37, 6000.0) and type(ada.salary) is float
    assert repr(ada) == "Person(name='Ada Lovelace', age=37, salary=6000.0)"
    assert repr(Person('O\'Hara "Zoë"', 0, 0.0)) == repr(spec.Person('O\'Hara "Zoë"', 0, 0.0))
    assert ada == Person("Ada Lovelace", 37, 6000.0)
    assert ada != Person("Ada Lovelace", 37, 6000.5)
    assert ada != spec.Person("Ada Lovelace", 37, 6000.0) or backend.name == "python"
    assert (ada == "Ada") is False
    with pytest.raises(TypeError):
        hash(ada)
    with pytest.raises(AttributeError):
        ada.nickname = "Countess"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del ada.name
    assert record(ada) == ("Ada Lovelace", 37, 6000.0)
    assert Person("é" * 256, 150, 1e308).name == "é" * 256


BAD_WRITES = [
    ("name", "", ValueError),
    ("name", "x" * 257, ValueError),
    ("name", "\ud800", UnicodeEncodeError),
    ("name", b"Ada", TypeError),
    ("name", None, TypeError),
    ("age", -1, ValueError),
    ("age", 151, ValueError),
    ("age", 2**63, OverflowError),
    ("age", -(2**70), OverflowError),
    ("age", 36.0, TypeError),
    ("age", "36", TypeError),
    ("salary", -0.01, ValueError),
    ("salary", math.nan, ValueError),
    ("salary", math.inf, ValueError),
    ("salary", 10**400, OverflowError),
    ("salary", "5200", TypeError),
    ("salary", None, TypeError),
]


@pytest.mark.parametrize(("field", "value", "error"), BAD_WRITES)
def test_a_rejected_write_changes_nothing(
    backend: ffibench.Backend, field: str, value: object, error: type
) -> None:
    Person = backend.person.Person
    ada = Person(*ADA)
    with pytest.raises(error) as caught:
        setattr(ada, field, value)
    assert type(caught.value) is error or issubclass(type(caught.value), error)
    assert record(ada) == ADA
    with pytest.raises(error):
        Person(**{"name": "Ada", "age": 36, "salary": 5200.0, field: value})


ANY_VALUE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=250, max_size=260),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.integers(min_value=-2, max_value=160),
    st.floats(width=64),
    st.none(),
    st.binary(max_size=4),
    st.booleans(),
)


@given(name=ANY_VALUE, age=ANY_VALUE, salary=ANY_VALUE)
def test_construction_fails_as_the_spec_does(name: Any, age: Any, salary: Any) -> None:
    for backend_name in ffibench.BACKENDS:
        person = ffibench.backend(backend_name).person.Person
        assert_same(
            lambda: spec.Person(name, age, salary),
            lambda cls=person: cls(name, age, salary),
        )


@given(
    writes=st.lists(
        st.tuples(st.sampled_from(["name", "age", "salary"]), ANY_VALUE), min_size=1, max_size=8
    )
)
def test_writes_follow_the_spec(writes: list[tuple[str, Any]]) -> None:
    persons = {name: ffibench.backend(name).person.Person(*ADA) for name in ffibench.BACKENDS}
    for field, value in writes:
        expected = outcome(setattr, persons["python"], field, value)
        for name, person in persons.items():
            assert outcome(setattr, person, field, value)[0] == expected[0], (name, field, value)
            assert record(person) == record(persons["python"]), name


# --- the read-only record ---------------------------------------------------------------------


@given(name=ANY_VALUE, age=ANY_VALUE, salary=ANY_VALUE)
def test_a_record_is_checked_as_the_spec_checks(name: Any, age: Any, salary: Any) -> None:
    expected = outcome(spec.PersonRecord, name, age, salary)
    for backend_name in RUST_BACKENDS:
        got = outcome(ffibench.backend(backend_name).person.PersonRecord, name, age, salary)
        assert got[0] == expected[0], (backend_name, got, expected)
        if got[0] == "raises":
            assert got == expected, backend_name
        else:
            assert same_records(got[1], expected[1]), backend_name
            assert repr(got[1]) == repr(expected[1]), backend_name
            assert hash(got[1]) == hash(expected[1]), backend_name


def test_a_record_is_read_only_and_a_value(backend: ffibench.Backend) -> None:
    record_type = backend.person.PersonRecord
    ada = record_type("Ada", 36, 5200)
    assert (ada.name, ada.age, ada.salary) == ("Ada", 36, 5200.0)
    assert type(ada.salary) is float and type(ada.age) is int
    for field, value in (("name", "Grace"), ("age", 37), ("salary", 1.0), ("other", 1)):
        with pytest.raises(AttributeError):
            setattr(ada, field, value)
    for field in ("name", "age", "salary"):
        with pytest.raises(AttributeError):
            delattr(ada, field)
    assert record(ada) == ("Ada", 36, 5200.0), "a refused write changes nothing"
    assert ada == record_type("Ada", 36, 5200.0) and ada != record_type("Ada", 37, 5200.0)
    assert ada != spec.Person("Ada", 36, 5200.0), "a record is not a person"
    assert len({ada, record_type("Ada", 36, 5200.0)}) == 1
    for twin in (copy.copy(ada), copy.deepcopy(ada), pickle.loads(pickle.dumps(ada))):
        assert type(twin) is record_type and twin == ada


# --- Payroll, every backend -------------------------------------------------------------------


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (1, 0), (10, 2**64 - 1), (300, 20_261_125)])
def test_generate_makes_the_specs_table(rust_backend: ffibench.Backend, n: int, seed: int) -> None:
    payroll = rust_backend.person.Payroll.generate(n, seed)
    assert len(payroll) == n
    assert same_records(list(payroll), list(spec.Payroll.generate(n, seed)))
    assert same_payroll(payroll, spec.Payroll.generate(n, seed))
    if n:
        assert not same_payroll(payroll, spec.Payroll.generate(n, seed ^ 1))


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["Ada", "Zoë", "Li Na", "𝔘"]),
        st.integers(min_value=0, max_value=150),
        st.one_of(
            st.sampled_from([0.0, -0.0, 1.0, 2000.0, 1e300, 1.7e308]),
            st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
        ),
    ),
    max_size=60,
)


@given(
    rows=ROWS,
    width=st.integers(min_value=1, max_value=200),
    k=st.integers(min_value=0, max_value=70),
    percent=st.one_of(st.floats(min_value=-100.0, max_value=1e6), st.sampled_from([-100.0, 0.0])),
    min_age=st.integers(min_value=-5, max_value=160),
    index=st.integers(min_value=-70, max_value=70),
)
def test_payroll_methods_follow_the_spec(
    rows: list[tuple[str, int, float]], width: int, k: int, percent: float, min_age: int, index: int
) -> None:
    tables = {name: payroll_of(ffibench.backend(name).person, rows) for name in ffibench.BACKENDS}
    reference = tables["python"]
    for name, payroll in tables.items():
        assert len(payroll) == len(rows), name
        assert_same(lambda: reference[index], lambda p=payroll: p[index])
        assert_same(reference.total_salary, payroll.total_salary)
        assert_same(
            lambda: reference.mean_salary_by_age_band(width),
            lambda p=payroll: p.mean_salary_by_age_band(width),
        )
        assert_same(lambda: reference.top_earners(k), lambda p=payroll: p.top_earners(k))
        assert same_records(payroll.ages(), reference.ages())
        assert same_records(payroll.salaries(), reference.salaries())
    expected = outcome(reference.give_raise, percent, min_age)
    for name, payroll in tables.items():
        if name != "python":
            got = outcome(payroll.give_raise, percent, min_age)
            assert got[0] == expected[0] and same_records(got[1], expected[1]), name
            assert same_records(list(payroll), list(reference)), name


def _foreign(module: Any) -> Any:
    """A Person of another backend than ``module``'s."""
    other = "pyo3" if module.Person is spec.Person else "python"
    return ffibench.backend(other).person.Person(*ADA)


BAD_CALLS: list[tuple[str, Any, type]] = [
    ("generate(-1)", lambda m, p: m.Payroll.generate(-1, 0), ValueError),
    ("generate(2**63)", lambda m, p: m.Payroll.generate(2**63, 0), OverflowError),
    ("generate('1')", lambda m, p: m.Payroll.generate("1", 0), TypeError),
    ("generate(1.0)", lambda m, p: m.Payroll.generate(1.0, 0), TypeError),
    ("seed -1", lambda m, p: m.Payroll.generate(1, -1), OverflowError),
    ("seed 2**64", lambda m, p: m.Payroll.generate(1, 2**64), OverflowError),
    ("p[3]", lambda m, p: p[3], IndexError),
    ("p[-4]", lambda m, p: p[-4], IndexError),
    ("p[2**70]", lambda m, p: p[2**70], IndexError),
    ("p['0']", lambda m, p: p["0"], TypeError),
    ("p[0.0]", lambda m, p: p[0.0], TypeError),
    ("p[:1]", lambda m, p: p[:1], TypeError),
    ("append('Ada')", lambda m, p: p.append("Ada"), TypeError),
    ("append(None)", lambda m, p: p.append(None), TypeError),
    ("another backend's Person", lambda m, p: p.append(_foreign(m)), TypeError),
    ("width 0", lambda m, p: p.mean_salary_by_age_band(0), ValueError),
    ("width -3", lambda m, p: p.mean_salary_by_age_band(-3), ValueError),
    ("width 2**63", lambda m, p: p.mean_salary_by_age_band(2**63), OverflowError),
    ("width '1'", lambda m, p: p.mean_salary_by_age_band("1"), TypeError),
    ("k -1", lambda m, p: p.top_earners(-1), ValueError),
    ("k 2**64", lambda m, p: p.top_earners(2**64), OverflowError),
    ("k None", lambda m, p: p.top_earners(None), TypeError),
    ("generate(-2**64)", lambda m, p: m.Payroll.generate(-(2**64), 0), ValueError),
    ("k -2**64", lambda m, p: p.top_earners(-(2**64)), ValueError),
    ("width -2**64", lambda m, p: p.mean_salary_by_age_band(-(2**64)), ValueError),
    ("restore a short row", lambda m, p: p.__setstate__([("Ada", 1)]), TypeError),
    ("restore a bad row", lambda m, p: p.__setstate__([("Ada", 1, -1.0)]), ValueError),
    ("percent nan", lambda m, p: p.give_raise(math.nan, 0), ValueError),
    ("percent -101", lambda m, p: p.give_raise(-101, 0), ValueError),
    ("percent '1'", lambda m, p: p.give_raise("1", 0), TypeError),
    ("min_age 2**63", lambda m, p: p.give_raise(1.0, 2**63), OverflowError),
    ("min_age 1.5", lambda m, p: p.give_raise(1.0, 1.5), TypeError),
    ("overflow", lambda m, p: p.give_raise(1e308, 0), ValueError),
]


@pytest.mark.parametrize(("what", "call", "error"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_payroll_calls_raise_the_specs_error(
    backend: ffibench.Backend, what: str, call: Any, error: type
) -> None:
    module = backend.person
    payroll = module.Payroll.generate(3, 1)
    before = list(map(record, payroll))
    with pytest.raises(error) as caught:
        call(module, payroll)
    assert str(caught.value), "the message says what was wrong"
    assert list(map(record, payroll)) == before, "a failed call changes nothing"


def test_an_impossible_payroll_is_a_memory_error(rust_backend: ffibench.Backend) -> None:
    with pytest.raises(MemoryError):
        rust_backend.person.Payroll.generate(2**50, 0)


def test_copies_and_pickles_are_new_objects(backend: ffibench.Backend) -> None:
    module = backend.person
    ada = module.Person(*ADA)
    for twin in (copy.copy(ada), copy.deepcopy(ada), pickle.loads(pickle.dumps(ada))):
        assert type(twin) is type(ada) and record(twin) == ADA
        twin.age = 40
        assert ada.age == 36, "a copy owns its own fields"
    payroll = module.Payroll.generate(50, 11)
    for twin in (copy.copy(payroll), pickle.loads(pickle.dumps(payroll))):
        assert type(twin) is type(payroll)
        assert same_records(list(twin), list(payroll))
        twin.give_raise(50.0, 0)
        twin.append(module.Person(*ADA))
        assert len(payroll) == 50 and not same_records(list(twin)[:50], list(payroll))
    del ada, payroll, twin
    gc.collect()  # a shared name or handle would be freed twice here


# --- column views -----------------------------------------------------------------------------


def test_columns_are_read_only_views_that_keep_the_payroll(rust_backend: ffibench.Backend) -> None:
    payroll = rust_backend.person.Payroll.generate(1_000, 5)
    salaries, again = payroll.salaries(), payroll.salaries()
    ages = payroll.ages()
    assert np.shares_memory(salaries, again), "a view, not a copy"
    assert (ages.dtype, salaries.dtype) == (np.int64, np.float64)
    for view in (ages, salaries):
        assert not view.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            view[0] = 0
        with pytest.raises(ValueError, match="WRITEABLE"):
            view.flags.writeable = True
    before = salaries.copy()
    raised = payroll.give_raise(10.0, 50)
    assert raised == int((ages >= 50).sum())
    assert np.array_equal(salaries[ages >= 50], before[ages >= 50] * 1.1), "views see raises"
    tail, expected_tail = salaries[-10:], salaries[-10:].copy()
    with pytest.raises(BufferError):
        payroll.append(rust_backend.person.Person(*ADA))
    del payroll, again, before, salaries, ages
    gc.collect()
    for _ in range(200):  # churn the allocator: freed memory would soon be reused
        rust_backend.person.Payroll.generate(1_000, 6)
    assert np.array_equal(tail, expected_tail), "the view kept the payroll alive"


def test_nothing_on_a_view_or_a_second_init_frees_the_table(
    rust_backend: ffibench.Backend,
) -> None:
    module = rust_backend.person
    payroll = module.Payroll.generate(300_000, 1)
    view = payroll.salaries()
    expected = view.copy()
    release = getattr(view.base, "release", None)
    if release is not None:
        release()
    payroll.__init__()  # type: ignore[misc]
    assert len(payroll) == 300_000, "a second __init__ does not replace the table"
    with pytest.raises(BufferError):
        payroll.append(module.Person(*ADA))
    del payroll
    for _ in range(20):
        module.Payroll.generate(300_000, 2)
    assert np.array_equal(view, expected)
    ada = module.Person(*ADA)
    with contextlib.suppress(ValueError):  # the spec re-checks; the Rust backends ignore it
        ada.__init__("Bob", -2, 2.0)  # type: ignore[misc]
    assert record(ada) == ADA


_THREAD_PROBE = textwrap.dedent(
    """
    import sys, threading, time
    import ffibench

    person = ffibench.backend(sys.argv[1]).person
    payroll = person.Payroll.generate(1_000, 3)
    ada = person.Person("Ada", 36, 5200.0)
    stop = time.monotonic() + float(sys.argv[2])

    def grow():
        while time.monotonic() < stop:
            try:
                payroll.append(ada)
            except BufferError:
                pass

    def read():
        while time.monotonic() < stop:
            payroll.total_salary()
            payroll.top_earners(3)
            view = payroll.salaries()
            assert view[0] > 0
            del view

    def rename():
        while time.monotonic() < stop:
            ada.name = "Ada Lovelace"
            ada.name = "Ada"
            assert ada.name in ("Ada", "Ada Lovelace")

    failures = []
    threading.excepthook = lambda hook: failures.append(hook.exc_value)
    workers = [threading.Thread(target=f) for f in (grow, read, rename, grow, read, rename)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        sys.exit(f"a thread failed: {failures[0]!r}")
    print(len(payroll) > 1_000)
    """
)


@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_threads_cannot_crash_a_payroll(backend_name: str) -> None:
    done = run_probe(_THREAD_PROBE, backend_name, "1.5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


_ABUSE_PROBE = textwrap.dedent(
    """
    import gc, sys
    import numpy
    import ffibench

    person = ffibench.backend(sys.argv[1]).person
    payroll = person.Payroll.generate(100_000, 4)
    first, second = payroll.salaries(), payroll.salaries()
    expected = first.copy()
    base = first.base
    for _ in range(2):  # finalisers called by hand
        if hasattr(base, "__del__"):
            base.__del__()
    interface = getattr(base, "__array_interface__", None)
    if isinstance(interface, dict):
        interface["shape"] = (10**9,)  # editing the description changes nothing
        assert numpy.asarray(base).shape == (100_000,)
    try:
        payroll.append(person.Person("Ada", 36, 5200.0))
        sys.exit("append succeeded while two views live")
    except BufferError:
        pass
    finalise = getattr(payroll, "__del__", lambda: None)  # PyO3's Payroll has none
    finalise()  # a view lives: nothing is freed
    for _ in range(20):
        person.Payroll.generate(100_000, 5)
    assert numpy.array_equal(first, expected) and numpy.array_equal(second, expected)
    del first, second, base
    gc.collect()
    finalise()  # by hand, twice: the second must not free again
    finalise()
    try:
        len(payroll)
    except ValueError:
        pass  # the C-ABI wrappers refuse a freed payroll
    del payroll, finalise
    gc.collect()
    print("ok")
    """
)


@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_finalisers_by_hand_cannot_crash(backend_name: str) -> None:
    done = run_probe(_ABUSE_PROBE, backend_name)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


_FINALISER_PROBE = textwrap.dedent(
    """
    import gc, sys, threading
    import numpy
    import ffibench

    person = ffibench.backend(sys.argv[1]).person
    keep = []

    # 1. One view, its base finalised by hand if it can be: the view still blocks growth.
    payroll = person.Payroll.generate(1_000, 3)
    view = payroll.salaries()
    if hasattr(view.base, "__del__"):
        view.base.__del__()
    try:
        payroll.append(person.Person("Ada", 36, 5200.0))
        sys.exit("append succeeded while a view lives")
    except BufferError:
        pass
    del view

    # 2. A finaliser that appends while a column is being lent: never a stale view.
    class Appender:
        def __init__(self, table):
            self.table, self.me = table, self
        def __del__(self):
            try:
                keep.append(numpy.ones(100_000))
                for _ in range(50_000):
                    self.table.append(person.Person("Ada", 30, 1.0))
            except (BufferError, RuntimeError):
                pass
    for threshold in range(1, 12):
        table = person.Payroll.generate(100_000, 7)
        gc.collect(); gc.disable(); Appender(table)
        gc.set_threshold(threshold, 1000, 1000); gc.enable()
        view = table.salaries()
        gc.set_threshold(700, 10, 10)
        assert len(view) == len(table), ("stale view", threshold)
        del view, table
    keep.clear()

    # 3. A finaliser that reads a person while one of its calls holds its lock: no hang.
    ada = person.Person("Ada", 36, 5200.0)
    class Reader:
        def __init__(self, p):
            self.p, self.me = p, self
        def __del__(self):
            try:
                self.p.name
            except RuntimeError:
                pass  # refused: re-entry from a finaliser
    for threshold in range(1, 40):
        gc.collect(); gc.disable(); Reader(ada)
        gc.set_threshold(threshold, 1000, 1000); gc.enable()
        try:
            ada.age = 999
        except ValueError:
            pass
    gc.set_threshold(700, 10, 10)

    # 4. A finaliser that reaches a person and a payroll of its own garbage cycle: the real
    # values, or ReferenceError / ValueError for what the collector finalised first; never
    # an empty name, a zero age or garbage.
    seen = []
    class Witness:
        def __init__(self, p, table):
            self.p, self.table, self.me = p, table, self
        def __del__(self):
            for read in (lambda: self.p.name, lambda: self.p.age, lambda: len(self.table)):
                try:
                    seen.append(read())
                except (ReferenceError, ValueError):
                    seen.append(None)
    gc.collect()
    Witness(person.Person("Ada", 36, 5200.0), person.Payroll.generate(3, 1))
    gc.collect()
    assert seen and all(value in ("Ada", 36, 3, None) for value in seen), seen

    # 5. A payroll and its view's base in one garbage cycle are freed, not leaked.
    def rss_kib():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4
    def cycles(n):
        for _ in range(n):
            table = person.Payroll.generate(200_000, 5)
            cycle = [table, table.salaries().base]
            cycle.append(cycle)
            del table, cycle
            gc.collect()
    cycles(3)
    before = rss_kib()
    cycles(20)
    grown = rss_kib() - before
    assert grown < 16_384, f"a payroll in a cycle with its view leaked: {grown} KiB"

    # 6. A finaliser called by hand while another thread reads: an error, never freed bytes.
    if hasattr(person.Person, "__del__"):
        victim = person.Person("Ada " * 30, 36, 5200.0)
        stop, errors = threading.Event(), []
        def read():
            while not stop.is_set():
                try:
                    assert victim.name.startswith("Ada") or victim.name.startswith("Bob")
                except ReferenceError:
                    pass
                except Exception as error:
                    errors.append(repr(error))
        reader = threading.Thread(target=read)
        reader.start()
        for _ in range(2_000):
            victim.__del__()
            victim = person.Person("Bob " * 30, 36, 5200.0)
        stop.set()
        reader.join()
        assert not errors, errors[:3]

    # 7. A garbage cycle holding a view's base: the collector releases the column before any
    # finaliser of the cycle runs, so such a finaliser may grow the payroll, and must then be
    # refused the old memory.
    class Holder:
        def __del__(self):
            try:
                for _ in range(200_000):
                    self.table.append(person.Person("x", 30, 1.0))
            except BufferError:
                pass
            try:
                numpy.asarray(self.column).sum()
                sys.exit("a released column was described again")
            except ReferenceError:
                pass
    if sys.argv[1] != "pyo3":  # PyO3's base is not a LentColumn
        table = person.Payroll.generate(100_000, 1)
        holder = Holder()
        holder.column, holder.table, holder.me = table.salaries().base, table, holder
        del table, holder
        gc.collect()

    # 8. An argument's __index__ that finalises the payroll by hand, inside its own call.
    class Index:
        def __init__(self, table):
            self.table = table
        def __index__(self):
            self.table.__del__() if hasattr(self.table, "__del__") else None
            keep.append(person.Payroll.generate(20_000, 2))  # reuse the freed memory
            return 5
    table = person.Payroll.generate(1_000, 9)
    expected = table[5]
    try:
        assert table[Index(table)] == expected
    except (ReferenceError, ValueError):
        pass  # refused after the call, never a read of freed memory
    keep.clear()

    # 9. A signal handler reading a person in the middle of a read of the same person.
    import signal, time
    victim = person.Person("Ada", 36, 5200.0)
    def handler(*_):
        try:
            victim.name
        except RuntimeError:
            pass  # refused: re-entry
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 2e-4, 2e-4)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        victim.name
    signal.setitimer(signal.ITIMER_REAL, 0)

    # 10. Iterating while appending ends at the length iteration began with.
    table = person.Payroll()
    for row in (("A", 1, 1.0), ("B", 2, 2.0), ("C", 3, 3.0)):
        table.append(person.Person(*row))
    steps = 0
    for item in table:
        table.append(item)
        steps += 1
        assert steps <= 3, "the iteration did not end"
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_finalisers_and_garbage_cycles_cannot_crash_leak_or_hang(backend_name: str) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FINALISER_PROBE, backend_name],
            capture_output=True,
            text=True,
            check=False,
            timeout=240,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{backend_name}: the probe hung (a deadlock under a finaliser?)")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_a_subclass_instance_compares_as_in_the_spec(backend: ffibench.Backend) -> None:
    base = backend.person.Person
    derived = type("Derived", (base,), {"__slots__": ()})
    assert derived(*ADA) == base(*ADA)
    assert base(*ADA) == derived(*ADA)


def test_an_argument_may_use_its_payroll_while_it_is_read() -> None:
    """An index's ``__index__`` and a raise's ``__float__`` run before the table is borrowed, so
    they may append to it, copy it or read its length, as they may in the spec; the index is
    checked against the length before it was read (a review found PyO3's "Already borrowed")."""

    def calls(module: Any) -> list[Any]:
        table = module.Payroll.generate(2, 1)
        appended = module.Person("X", 1, 1.0)

        class Appends:
            def __index__(self) -> int:
                table.append(appended)
                return 0

        class Length:
            def __index__(self) -> int:
                return len(table)

        class Copies:
            def __float__(self) -> float:
                copy.copy(table)
                return 10.0

        got = [outcome(lambda: record(table[Appends()])), outcome(lambda: table[Length()])]
        got.append(outcome(lambda: table.give_raise(1.0, Length())))
        got.append(outcome(lambda: table.give_raise(Copies(), 0)))
        return [*got, len(table), [record(p) for p in table]]

    expected = calls(spec)
    assert expected[1][0] == "raises" and expected[1][1] is IndexError
    for name in ffibench.BACKENDS:
        got = calls(ffibench.backend(name).person)
        assert got[:4] == expected[:4], name
        assert got[4] == expected[4] and same_records(got[5], expected[5]), name


def test_append_works_again_once_every_view_is_gone(rust_backend: ffibench.Backend) -> None:
    module = rust_backend.person
    payroll = module.Payroll.generate(10, 5)
    view = payroll.ages()
    part = view[2:5]
    del view
    gc.collect()
    with pytest.raises(BufferError):  # the slice still holds the column
        payroll.append(module.Person(*ADA))
    del part
    gc.collect()
    payroll.append(module.Person(*ADA))
    assert len(payroll) == 11 and record(payroll[-1]) == ADA
    empty = module.Payroll()
    assert empty.ages().tolist() == [] and empty.salaries().dtype == np.float64
    empty.append(module.Person(*ADA))


_LEAK_PROBE = textwrap.dedent(
    """
    import gc, sys
    import ffibench

    person = ffibench.backend(sys.argv[1]).person
    payroll = person.Payroll.generate(2_000, 9)

    def calls(n):
        for i in range(n):
            p = person.Person("Zoë " * 20, 30, 100.0)
            p.name = "Ada " * 30
            try:
                p.name = ""
            except ValueError:
                pass
            record = person.PersonRecord("Ngozi " * 20, 40, 250.0)
            assert record.age == 40
            copy = payroll[i % 2_000]
            if i % 20 == 0:
                payroll.top_earners(20)
                payroll.salaries()
                payroll.mean_salary_by_age_band(5)
            if i % 200 == 0:
                extra = person.Payroll.generate(100, i)
                extra.append(copy)
        gc.collect()

    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")
@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_names_and_tables_are_freed(backend_name: str) -> None:
    growth_kib = rss_growth_kib(_LEAK_PROBE, backend_name, 50_000, 300_000)
    # 3 x 10^5 leaked names of ~100 bytes would be ~60 MiB, 1500 leaked tables of 100 persons
    # ~7 MiB, 15 000 leaked top-20 lists ~20 MiB: allow allocator noise only.
    assert growth_kib < 4096, f"RSS grew by {growth_kib} KiB"


# --- the registry and the harness -------------------------------------------------------------


def test_every_participant_passes_every_check_at_the_smallest_size() -> None:
    for operation in SCENARIO.operations:
        size = operation.sizes[0]
        function = getattr(spec, operation.function_name)
        expected = operation.runner(function)(*operation.arguments(function, size))
        for participant in scenarios.participants(SCENARIO, operation):
            assert participant.function is not None, participant
            args = operation.arguments(participant.function, size)
            answer = operation.runner(participant.function)(*args)
            assert operation.check_for(participant)(answer, expected), (operation.name, participant)


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["Ada", "Zoë"]),
            st.integers(min_value=0, max_value=150),
            st.sampled_from([0.0, -0.0, 1.0, 2.5, 2000.0, 1e6]),
        ),
        max_size=60,
    ),
    width=st.integers(min_value=1, max_value=200),
    k=st.integers(min_value=0, max_value=70),
    percent=st.floats(min_value=-100.0, max_value=1e3),
    min_age=st.integers(min_value=-5, max_value=160),
)
def test_the_numpy_anchor_answers_like_the_spec(
    rows: list[tuple[str, int, float]], width: int, k: int, percent: float, min_age: int
) -> None:
    columns = list(zip(*rows, strict=True)) or [(), (), ()]
    anchor = person_scenario.NumpyPayroll(
        np.array(columns[0], dtype=str),
        np.array(columns[1], dtype=np.int64),
        np.array(columns[2], dtype=np.float64),
    )
    reference = payroll_of(spec, rows)
    assert same_records(anchor.top_earners(k), reference.top_earners(k))
    bands = person_scenario.same_bands(person_scenario.ANCHOR_RTOL)
    assert bands(anchor.mean_salary_by_age_band(width), reference.mean_salary_by_age_band(width))
    assert anchor.total_salary() == reference.total_salary()
    assert anchor.give_raise(percent, min_age) == reference.give_raise(percent, min_age)
    assert same_records(anchor.salaries(), reference.salaries())


def test_checks_catch_a_wrong_answer() -> None:
    ada = spec.Person(*ADA)
    assert same_records(ada, spec.Person(*ADA))
    assert not same_records(ada, spec.Person("Ada", 36, 5200.5))
    assert not same_records([ada], [ada, ada])
    assert not same_records(np.array([1], dtype=np.int64), np.array([1.0]))
    assert not same_records(-0.0, 0.0)
    assert not same_payroll(spec.Payroll.generate(5, 1), spec.Payroll.generate(6, 1))
    numpy_table = person_scenario.NumpyPayroll.generate(500, 77)
    assert same_payroll(numpy_table, spec.Payroll.generate(500, 77))


def test_a_statement_is_timed_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    operation = SCENARIO.operation("write:salary")
    assert operation.code(2) == "a0.salary = a1"
    [participant] = scenarios.participants(SCENARIO, operation, ("pyo3",))
    task = Task(SCENARIO, operation, None, [participant])
    result = _check_and_time(task, participant, 5300.0, quick=True)
    assert result["status"] == "ok", result["message"]
    assert result["metrics"]["time_ns"]["median"] > 0
    assert timing.plan(1e-3, quick=False, setup_seconds=30.0).processes == 1


def test_criterion_benches_cover_the_registry() -> None:
    source = (ROOT / "crates" / "core" / "benches" / "person.rs").read_text()
    match = re.search(r"const SIZES: \[usize; \d+\] = \[([^\]]*)\]", source)
    assert match is not None
    sizes = {int(n.replace("_", "")) for n in re.findall(r"[\d_]+", match.group(1))}
    assert sizes == set(person_scenario.SIZES)
    for name in (
        "generate",
        "total_salary",
        "mean_salary_by_age_band",
        "give_raise",
        "top_earners",
    ):
        assert f'"{name}"' in source, name
