"""Differential state machines: one instance of a stateful class per backend, the same random
sequence of method calls (good and bad arguments) applied to each, every outcome and the state
after every step compared with the spec's.

The classes: ``Person``, ``Payroll``, ``WordCounts``, ``KeyValueStore`` (their methods and
protocols: ``len``, ``iter``, ``getitem``, ``eq``, copies and pickles) and ``EventStream``
(its lifecycle; its events are checked against the spec's synthetic sequence, since how many
are queued at a moment depends on a thread's timing).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ffibench.pure import events as events_spec
from fuzzing import MODULES, Arg, arg, canonical, same
from test_differential import (
    AGE,
    CI,
    COUNTS,
    FLOAT,
    I64,
    KEY,
    NAME,
    PAYROLL,
    SALARY,
    STORE,
    VALID_PERSON,
    VALID_RECORD,
    VALUE,
    WORD,
    _eq,
)

#: A step: ``call(module, instance, *values)`` and one right-typed strategy per parameter.
Steps = dict[str, tuple[Callable[..., Any], tuple[st.SearchStrategy[Any], ...]]]


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("value", canonical(call()))
    except Exception as error:
        return ("raises", type(error))


class Differential(RuleBasedStateMachine):
    """The machine of one class: ``scenario``, how an instance is made (``create``, an Arg
    strategy) and its ``steps``."""

    scenario = ""
    steps: Steps = {}  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()
        self.instances: dict[str, Any] = {}
        self.history: list[str] = []

    def start(self, recipe: Arg) -> None:
        self.history.append(f"create {recipe!r}")
        made = {}
        for backend, module in MODULES[self.scenario].items():

            def create(name: str = backend, m: Any = module) -> Any:
                return self.instances.setdefault(name, recipe.make(m))

            made[backend] = _outcome(create)
        self.agree(made)

    def agree(self, outcomes: dict[str, tuple[str, Any]]) -> None:
        expected = outcomes["python"]
        for backend, got in outcomes.items():
            shown = f"{' / '.join(self.history)}: {backend} {got} != python {expected}"
            if "value" not in (got[0], expected[0]) or got[0] != expected[0]:
                assert got == expected, shown
            else:
                assert same(got[1], expected[1]), shown

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.steps)), label="method")
        call, params = self.steps[name]
        args = data.draw(st.tuples(*(arg(p) for p in params)), label="args")
        self.history.append(f"{name}{args!r}")
        outcomes = {}
        for backend, module in MODULES[self.scenario].items():
            instance = self.instances[backend]
            values = [argument.make(module) for argument in args]
            outcomes[backend] = _outcome(lambda i=instance, m=module, v=values: call(m, i, *v))
        self.agree(outcomes)

    @invariant()
    def same_state(self) -> None:
        if self.instances:
            self.agree({backend: ("value", canonical(i)) for backend, i in self.instances.items()})


def _copies(_module: Any, instance: Any) -> Any:
    return (copy.copy(instance), copy.deepcopy(instance), pickle.loads(pickle.dumps(instance)))


def _setattr(field: str) -> Callable[..., Any]:
    def call(_module: Any, instance: Any, value: Any) -> None:
        setattr(instance, field, value)

    return call


def _call(attribute: str) -> Callable[..., Any]:
    return lambda _module, instance, *args: getattr(instance, attribute)(*args)


class PersonMachine(Differential):
    scenario = "person"
    steps: Steps = {  # noqa: RUF012
        "set name": (_setattr("name"), (NAME,)),
        "set age": (_setattr("age"), (AGE,)),
        "set salary": (_setattr("salary"), (SALARY,)),
        "eq": (_eq, (st.one_of(VALID_PERSON, VALID_RECORD),)),
        "copies": (_copies, ()),
        "repr": (lambda _m, p: repr(p), ()),
    }

    @initialize(recipe=VALID_PERSON)
    def create(self, recipe: Arg) -> None:
        self.start(recipe)


class PayrollMachine(Differential):
    scenario = "person"
    steps: Steps = {  # noqa: RUF012
        "append": (_call("append"), (st.one_of(VALID_PERSON, VALID_RECORD),)),
        "give_raise": (
            _call("give_raise"),
            (st.one_of(FLOAT, st.floats(-100, 1e3)), st.one_of(AGE, I64)),
        ),
        "getitem": (lambda _m, p, i: p[i], (st.integers(-40, 40),)),
        "len": (lambda _m, p: len(p), ()),
        "iter": (lambda _m, p: list(p), ()),
        "total_salary": (_call("total_salary"), ()),
        "mean_salary_by_age_band": (_call("mean_salary_by_age_band"), (st.integers(-1, 200),)),
        "top_earners": (_call("top_earners"), (st.integers(-1, 50),)),
        "ages": (lambda _m, p: p.ages().tolist(), ()),
        "salaries": (lambda _m, p: p.salaries().tolist(), ()),
        "setstate": (
            _call("__setstate__"),
            (st.lists(st.tuples(NAME, AGE, SALARY), max_size=3),),
        ),
        "copies": (_copies, ()),
    }

    @initialize(recipe=PAYROLL)
    def create(self, recipe: Arg) -> None:
        self.start(recipe)


def _merge(module: Any, counts: Any, text: Any) -> None:
    other = module.WordCounts.from_text(text) if isinstance(text, str) else text
    counts.merge(other)


class WordCountsMachine(Differential):
    scenario = "words"
    steps: Steps = {  # noqa: RUF012
        "merge": (_merge, (st.text(max_size=30),)),
        "getitem": (lambda _m, c, w: c[w], (WORD,)),
        "get": (_call("get"), (WORD, st.integers())),
        "contains": (lambda _m, c, w: w in c, (WORD,)),
        "len": (lambda _m, c: len(c), ()),
        "iter": (lambda _m, c: list(c), ()),
        "items": (_call("items"), ()),
        "to_dict": (_call("to_dict"), ()),
        "total": (_call("total"), ()),
        "most_common": (_call("most_common"), (st.integers(-1, 20),)),
        "get_many": (_call("get_many"), (st.lists(WORD, max_size=4),)),
        "eq": (_eq, (COUNTS,)),
        "copies": (_copies, ()),
    }

    @initialize(recipe=COUNTS)
    def create(self, recipe: Arg) -> None:
        self.start(recipe)


class KeyValueStoreMachine(Differential):
    scenario = "words"
    steps: Steps = {  # noqa: RUF012
        "set": (_call("set"), (KEY, VALUE)),
        "get": (_call("get"), (KEY, st.integers())),
        "delete": (_call("delete"), (KEY,)),
        "contains": (lambda _m, s, k: k in s, (KEY,)),
        "len": (lambda _m, s: len(s), ()),
        "set_many": (_call("set_many"), (st.lists(st.tuples(KEY, VALUE), max_size=4),)),
        "get_many": (_call("get_many"), (st.lists(KEY, max_size=4),)),
        "keys": (_call("keys"), ()),
        "stats": (_call("stats"), ()),
        "max_items": (lambda _m, s: s.max_items, ()),
        "setstate": (
            _call("__setstate__"),
            (
                st.tuples(
                    st.lists(st.tuples(KEY, VALUE), max_size=3),
                    st.integers(-1, 5),
                    st.integers(-1, 5),
                    st.integers(-1, 5),
                ),
            ),
        ),
        "copies": (_copies, ()),
    }

    @initialize(recipe=STORE)
    def create(self, recipe: Arg) -> None:
        self.start(recipe)


class EventStreamMachine(RuleBasedStateMachine):
    """A synthetic stream (``policy="block"``: nothing is dropped) per backend: start, stop, poll
    and recv in the same order. Outcomes (values of the lifecycle, exception classes) agree;
    every event taken is the spec's next one of the seed (timestamps aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.streams: dict[str, Any] = {}
        self.next_seq: dict[str, int] = {}
        self.history: list[str] = []
        self.wrong: list[str] = []
        self.seed = 0
        self.payload = False

    @initialize(capacity=st.integers(1, 64), seed=st.integers(0, 2**64 - 1),
                payload=st.booleans())  # fmt: skip
    def create(self, capacity: int, seed: int, payload: bool) -> None:
        self.seed, self.payload = seed, payload
        for backend, module in MODULES["events"].items():
            self.streams[backend] = module.EventStream(None, capacity, "block", seed, payload)
            self.next_seq[backend] = 0
        self.history.append(f"EventStream(None, {capacity}, 'block', {seed}, {payload})")

    def teardown(self) -> None:
        for stream in self.streams.values():
            stream.stop()

    def _taken(self, backend: str, events: list[Any]) -> None:
        """Each event is the spec's next of the seed; a mismatch is kept for the rule to raise
        (not an outcome of the call)."""
        for event in events:
            expected = events_spec.synthetic(self.seed, self.next_seq[backend], self.payload)
            if tuple(event[1:]) != expected:
                self.wrong.append(f"{self.history}: {backend} gave {event}, not {expected}")
            self.next_seq[backend] += 1

    def _each(self, name: str, args: tuple[Arg, ...], call: Callable[..., Any]) -> None:
        self.history.append(f"{name}{args!r}")
        outcomes = {}
        for backend, stream in self.streams.items():
            values = [argument.make(None) for argument in args]
            try:
                outcomes[backend] = ("value", call(backend, stream, *values))
            except Exception as error:
                outcomes[backend] = ("raises", type(error))
        assert not self.wrong, self.wrong[0]
        expected = outcomes["python"]
        for backend, got in outcomes.items():
            assert got == expected, f"{self.history}: {backend} {got} != python {expected}"

    @rule()
    def start(self) -> None:
        self._each("start", (), lambda _b, s: s.start())

    @rule()
    def stop(self) -> None:
        self._each("stop", (), lambda _b, s: s.stop())

    @rule(max_events=arg(st.one_of(st.none(), st.integers(-1, 100))),
          tuples=st.booleans())  # fmt: skip
    def poll(self, max_events: Arg, tuples: bool) -> None:
        def call(backend: str, stream: Any, limit: Any) -> None:
            if tuples:
                self._taken(backend, stream.poll_tuples(limit))
            else:  # an array: the payload is bytes (S24) there
                rows = [list(row) for row in stream.poll(limit).tolist()]
                if self.payload:
                    for row in rows:
                        row[4] = row[4].decode()
                self._taken(backend, rows)

        self._each("poll_tuples" if tuples else "poll", (max_events,), call)

    @rule(timeout=arg(st.sampled_from([0.0, 0.01, None])))
    def recv(self, timeout: Arg) -> None:
        def call(backend: str, stream: Any, value: Any) -> Any:
            never_started = not stream.running and not stream.stopped
            if never_started and (value is None or isinstance(value, int | float)):
                value = 0.0  # a stream never started would wait as long as it is told
            event = stream.recv(value)
            if event is not None:
                self._taken(backend, [event])
            return None

        self._each("recv", (timeout,), call)

    @invariant()
    def lifecycle_agrees(self) -> None:
        if self.streams:
            self._each("state", (), lambda _b, s: (s.running, s.stopped, s.capacity, s.policy,
                                                   s.payload, s.port))  # fmt: skip


for _machine in (PersonMachine, PayrollMachine, WordCountsMachine, KeyValueStoreMachine,
                 EventStreamMachine):  # fmt: skip
    _test = _machine.TestCase
    if CI:  # a few short programs per machine in the suite; the fuzz profile runs many
        _test.settings = settings(max_examples=10, stateful_step_count=25)
    globals()[f"Test{_machine.__name__}"] = _test
del _test
