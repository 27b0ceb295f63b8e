"""The registry: every scenario, its operations, their inputs, checks and participants.

One registry drives both the test suite and the harness. An :class:`Operation` names the
function that every backend module has, builds its inputs from the size alone (deterministic,
outside any timed region), says how a result is compared with the reference, and which kind of
figure it measures (:data:`KINDS`). A :class:`Scenario` adds the anchors: what a Python
programmer would use instead, measured beside the backends.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from ffibench._backends import BACKENDS, SCENARIOS, backend

__all__ = [
    "CORPUS_ENV",
    "KINDS",
    "NATIVE",
    "REFERENCE",
    "REFERENCES",
    "Anchor",
    "Benchmark",
    "Bounded",
    "Load",
    "Measured",
    "Operation",
    "Participant",
    "Scenario",
    "Work",
    "all_scenarios",
    "benchmark",
    "benchmark_id",
    "exact",
    "get",
    "locator",
    "participants",
    "reference_of",
]

#: What an operation can measure. ``time``: the time of one call (pyperf); ``memory``: the RSS
#: of a fresh process around one call; ``latency``: per-item latencies over a run bounded in
#: time; ``throughput``: items per second over a bounded run; ``load``: a server under an
#: external load generator (wrk).
KINDS = ("time", "memory", "latency", "throughput", "load")
#: The participant whose answer every other one must give, and the base of every speed-up.
REFERENCE = "python"
#: The reference of a scenario whose participants are not the backends: the http scenario's
#: servers are measured against Flask under gunicorn, what production runs.
REFERENCES: dict[str, str] = {"http": "flask:gunicorn"}
#: Participants outside the backends that run this project's Rust (the http scenario's axum
#: servers and the Flask app whose handlers call the pyo3 backend): never one of the
#: alternatives a Python programmer has without Rust.
NATIVE: frozenset[str] = frozenset({"axum", "axum:inprocess", "flask:pyo3-handlers"})


def reference_of(scenario: str) -> str:
    """The reference participant of the scenario called ``scenario``.

    Examples
    --------
    >>> reference_of("basic"), reference_of("http")
    ('python', 'flask:gunicorn')
    """
    return REFERENCES.get(scenario, REFERENCE)


#: The environment variable naming the user's corpus of the words scenario (``ffibench run
#: --corpus``), set before the scenario is imported so that its sizes are the file's.
CORPUS_ENV = "FFIBENCH_CORPUS"
#: The units of work a rate is computed in: items/s, bytes/s, GFLOP/s.
WORK_UNITS = ("items", "bytes", "flop")


def exact(result: object, expected: object) -> bool:
    """Equal values of the same type (``True`` is not accepted for ``1``)."""
    return type(result) is type(expected) and result == expected


def close(rtol: float) -> Callable[[object, object], bool]:
    """Floats equal to a relative tolerance; NaN equals NaN, infinities must match in sign."""

    def compare(result: object, expected: object) -> bool:
        if not isinstance(result, float) or not isinstance(expected, float):
            return False
        if math.isnan(expected) or math.isnan(result):
            return math.isnan(expected) and math.isnan(result)
        if math.isinf(expected) or math.isinf(result):
            return result == expected
        return abs(result - expected) <= rtol * max(abs(result), abs(expected))

    compare.__doc__ = f"floats within a relative {rtol:g}"
    return compare


@dataclass(frozen=True)
class Work:
    """How much work one call does, for the rates of a ``time`` operation.

    ``amount(size)`` is the amount in ``unit``: ``items`` gives ``items_per_s``, ``bytes``
    gives ``bytes_per_s``, ``flop`` gives ``gflops`` (``2 n**3`` for a matrix product).

    Examples
    --------
    >>> Work(amount=lambda size: 8 * size, unit="bytes").amount(10)
    80
    """

    amount: Callable[[int | None], float]
    unit: str = "items"

    def __post_init__(self) -> None:
        if self.unit not in WORK_UNITS:
            raise ValueError(f"unknown unit of work {self.unit!r}; choose one of {WORK_UNITS}")


@dataclass(frozen=True)
class Bounded:
    """A ``latency`` or ``throughput`` run: bounded in time, repeated in fresh processes.

    ``drive(subject, duration_s)`` runs for about ``duration_s`` seconds and returns, for a
    latency operation, the latency of every item in nanoseconds, and for a throughput
    operation, the number of items done. ``subject`` is what the operation's ``lifecycle``
    yields (a queue, a stream, a URL), or without one a callable running the operation once.
    Without ``drive``, the harness calls that callable over and over for ``duration_s`` and
    times each call. ``unit`` names the items (``items`` or ``bytes``) of a throughput. A
    drive that measures more returns a :class:`Measured`.
    """

    drive: Callable[[Any, float], Sequence[float] | int | Measured] | None = None
    duration_s: float = 2.0
    quick_duration_s: float = 0.5
    repetitions: int = 4
    quick_repetitions: int = 2
    unit: str = "items"


@dataclass(frozen=True)
class Measured:
    """What a bounded ``drive`` returns when it measures more than its kind's own figure:
    ``value`` (the latencies, or the count of items) and ``extra`` metrics, by names of
    :data:`ffibench.harness.metrics.METRICS` (the consumer's CPU time per item, items lost).

    Examples
    --------
    >>> Measured(1000, {"cpu_ns_per_item": 850.0}).extra["cpu_ns_per_item"]
    850.0
    """

    value: Sequence[float] | int
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Load:
    """A ``load`` run: wrk against the server that the operation's ``lifecycle`` yields.

    The lifecycle yields the server's base URL (``http://127.0.0.1:PORT``, bound to the
    loopback only); wrk requests ``path`` over ``connections`` connections from ``threads``
    threads for ``duration_s`` seconds (whole seconds: wrk's unit), ``repetitions`` times,
    each in a fresh process with a fresh server. Every request has the same ``method``,
    ``body`` (none by default) and ``headers``.
    """

    path: str = "/"
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    connections: int = 16
    threads: int = 1
    duration_s: int = 5
    quick_duration_s: int = 1
    repetitions: int = 3
    quick_repetitions: int = 2
    request_timeout_s: int = 2


#: ``lifecycle(function, args)``: a context manager that starts what the operation drives (a
#: server, a stream, a producer) with the participant's own ``function`` and yields it; its
#: exit stops it. The harness enters it in a process of its own and always exits it.
Lifecycle = Callable[[Callable[..., Any], tuple[Any, ...]], AbstractContextManager[Any]]


@dataclass(frozen=True)
class Operation:
    """One timed operation of a scenario: the same function name in every backend.

    ``sizes`` are the sizes of a full run and ``quick_sizes`` those of ``--quick``; an operation
    without a natural size has ``(None,)``. ``make_args(size)`` builds the arguments.
    ``function`` is the backends' function when it is not ``name`` (``sum:list`` and
    ``sum:array`` both call ``sum``, on different inputs).

    Operations on objects that each participant makes itself (a ``Person``, a ``Payroll``) add
    ``setup(function, args)``, which turns ``make_args(size)`` into the timed arguments with
    the participant's own ``function`` (a class), outside the timed region; and ``statement``,
    the timed code when it is not a plain call: an expression or a statement over ``function``
    and the arguments ``a0``, ``a1``… (``a0.salary``, ``a0.salary = a1``). ``result`` is the
    expression checked after a statement that has no value of its own.

    ``anchor_setup`` serves operations whose backends run a ``statement`` on objects of their
    own while the anchors do the same job another way (``numpy.asarray(buffer)`` beside
    ``pickle.loads(pickle.dumps(array))``): it turns ``make_args(size)`` into an anchor's
    arguments, and an anchor is then called plainly, ``function(*args)``.

    ``kind`` is what the operation measures (one of :data:`KINDS`; ``time`` by default):
    ``work`` adds rates to a ``time`` operation; ``bounded`` configures a ``latency`` or
    ``throughput`` run and ``load`` a ``load`` run; ``lifecycle`` starts and stops what a
    bounded or load run drives; ``timeout_s`` bounds each measuring process (the harness
    otherwise derives a generous bound from its plan); ``primary`` names the metric that the
    report compares (each kind has a default, :func:`primary_metric`); ``encoded_size(args,
    answer)`` records the ``bytes`` of an encoded form (an encoder's result, a decoder's
    input) beside the figures. Whatever the kind, the
    answer of the plain call (``function(*args)`` or ``statement``) is checked against the
    reference's before anything is measured.
    """

    name: str
    description: str
    make_args: Callable[[int | None], tuple[Any, ...]]
    sizes: tuple[int | None, ...] = (None,)
    quick_sizes: tuple[int | None, ...] | None = None
    size_unit: str | None = None
    compare: Callable[[object, object], bool] = exact
    function: str | None = None
    anchor_compare: Callable[[object, object], bool] | None = None
    setup: Callable[[Callable[..., Any], tuple[Any, ...]], tuple[Any, ...]] | None = None
    statement: str | None = None
    result: str | None = None
    anchor_setup: Callable[[Callable[..., Any], tuple[Any, ...]], tuple[Any, ...]] | None = None
    kind: str = "time"
    work: Work | None = None
    bounded: Bounded | None = None
    load: Load | None = None
    lifecycle: Lifecycle | None = None
    timeout_s: float | None = None
    primary: str | None = None
    encoded_size: Callable[[tuple[Any, ...], Any], int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}; choose one of {KINDS}")
        if self.kind == "load" and self.lifecycle is None:
            raise ValueError(f"{self.name}: a load operation needs a lifecycle (the server)")
        if self.work is not None and self.kind != "time":
            raise ValueError(f"{self.name}: work (rates) belongs to time operations")

    @property
    def bounded_run(self) -> Bounded:
        """The bounded run of a latency or throughput operation (defaults when not given)."""
        return self.bounded or Bounded()

    @property
    def load_run(self) -> Load:
        """The load run of a load operation (defaults when not given)."""
        return self.load or Load()

    @property
    def primary_metric(self) -> str:
        """The metric that the report and ``compare`` lead with."""
        return self.primary or primary_metric(self.kind, self.bounded_run.unit)

    def check_for(self, participant: Participant) -> Callable[[object, object], bool]:
        """How to compare ``participant``'s answer: anchors may compute in another order
        (``anchor_compare``); backends follow the spec (``compare``)."""
        if participant.is_anchor and self.anchor_compare is not None:
            return self.anchor_compare
        return self.compare

    def plain_for(self, anchor: bool) -> bool:
        """Whether a participant (an anchor, or a backend) is called plainly, without the
        statement and setup of the backends (see ``anchor_setup``)."""
        return anchor and self.anchor_setup is not None

    def arguments(
        self, function: Callable[..., Any], size: int | None, anchor: bool = False
    ) -> tuple[Any, ...]:
        """The timed arguments for a participant whose function is ``function``."""
        args = self.make_args(size)
        setup = self.anchor_setup if self.plain_for(anchor) else self.setup
        return args if setup is None else setup(function, args)

    def code(self, arity: int, anchor: bool = False) -> str:
        """The timed code over ``function`` and ``a0``, ``a1``…: ``statement``, or the call."""
        if self.statement is not None and not self.plain_for(anchor):
            return self.statement
        return f"function({', '.join(f'a{index}' for index in range(arity))})"

    def runner(self, function: Callable[..., Any], anchor: bool = False) -> Callable[..., Any]:
        """A callable that runs the timed code once on the arguments and returns the answer to
        check: ``function`` itself for a plain call."""
        if self.statement is None or self.plain_for(anchor):
            return function
        return _compile_runner(self.statement, self.result, function)

    @property
    def function_name(self) -> str:
        """The name of the function every backend module has for this operation."""
        return self.function or self.name

    def sizes_for(self, quick: bool) -> tuple[int | None, ...]:
        """The sizes a run times: ``quick_sizes`` with ``--quick`` (when given), else ``sizes``."""
        return self.quick_sizes if quick and self.quick_sizes is not None else self.sizes


def primary_metric(kind: str, unit: str = "items") -> str:
    """The default primary metric of a kind: the time of a call, the memory a call adds, the
    median latency, the rate of a throughput, the requests per second of a server."""
    return {
        "time": "time_ns",
        "memory": "extra_rss_bytes",
        "latency": "latency_p50_ns",
        "throughput": "bytes_per_s" if unit == "bytes" else "items_per_s",
        "load": "requests_per_s",
    }[kind]


def _compile_runner(statement: str, result: str | None, function: Callable[..., Any]) -> Any:
    """``def run(*args)``: bind ``a0, a1, ...`` to the arguments, run ``statement``, return
    ``result`` (or the statement's own value when it is an expression)."""
    source = "def run(*args):\n    a0, a1, a2, a3, *_ = (*args, None, None, None, None)\n" + (
        f"    {statement}\n    return {result}\n" if result else f"    return {statement}\n"
    )
    namespace: dict[str, Any] = {"function": function}
    exec(source, namespace)
    return namespace["run"]


@dataclass(frozen=True)
class Anchor:
    """A library or idiom a Python user would reach for instead, for some operations."""

    name: str
    description: str
    functions: dict[str, Callable[..., Any]]


@dataclass(frozen=True)
class Scenario:
    """A scenario: its operations in report order and its anchors.

    ``backends`` are the backends taking part (all of :data:`BACKENDS` by default). A scenario
    defined outside the registry (a test's) names the ``module`` that holds it as ``SCENARIO``,
    so that a worker process can find it (:func:`locator`); it has no backends and its
    reference is an anchor called ``python``.
    """

    name: str
    title: str
    question: str
    operations: tuple[Operation, ...]
    anchors: tuple[Anchor, ...] = field(default=())
    backends: tuple[str, ...] | None = None
    module: str | None = None

    @property
    def reference(self) -> str:
        """The participant every other one is checked against (:func:`reference_of`)."""
        return reference_of(self.name)

    @property
    def backend_names(self) -> tuple[str, ...]:
        """The backends that take part, in :data:`BACKENDS` order."""
        return BACKENDS if self.backends is None else self.backends

    def operation(self, name: str) -> Operation:
        """The operation called ``name``; ``KeyError`` if there is none."""
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise KeyError(f"scenario {self.name!r} has no operation {name!r}")


@dataclass(frozen=True)
class Participant:
    """One implementation of one operation: a backend's function, or an anchor's.

    ``function`` is ``None`` when the participant cannot do the operation; ``reason`` says why,
    and ``broken`` tells a failure (the backend would not import) from a real "not applicable".
    """

    name: str
    function: Callable[..., Any] | None
    reason: str | None = None
    is_anchor: bool = False
    broken: bool = False


def get(name: str) -> Scenario:
    """The scenario called ``name``; ``KeyError`` lists the known ones.

    ``module:ATTRIBUTE`` (``test_kinds:SCENARIO``) finds a scenario outside the registry.
    """
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise KeyError(f"cannot import the scenario module {module_name!r}: {error}") from None
        found = getattr(module, attribute, None)
        if not isinstance(found, Scenario):
            raise KeyError(f"{module_name!r} has no scenario {attribute!r}")
        return found
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    module = importlib.import_module(f"ffibench.scenarios.{name}")
    return module.SCENARIO


def locator(scenario: Scenario) -> str:
    """What :func:`get` needs to find ``scenario`` again in another process."""
    return scenario.name if scenario.module is None else f"{scenario.module}:SCENARIO"


def all_scenarios() -> Iterator[Scenario]:
    """Every scenario, in DESIGN.md's order."""
    for name in SCENARIOS:
        yield get(name)


def backend_function(backend_name: str, scenario: Scenario, operation: Operation) -> Participant:
    """The backend's function for ``operation``, or why it has none ("not applicable")."""
    try:
        module = getattr(backend(backend_name), scenario.name)
    except ImportError as error:
        return Participant(backend_name, None, f"cannot import: {error}", broken=True)
    reasons: dict[str, str] = getattr(module, "NOT_APPLICABLE", {})
    if operation.function_name in reasons:
        return Participant(backend_name, None, reasons[operation.function_name])
    function = getattr(module, operation.function_name, None)
    if function is None:
        return Participant(backend_name, None, f"{backend_name} has no {operation.function_name}")
    return Participant(backend_name, function)


def participants(
    scenario: Scenario, operation: Operation, names: tuple[str, ...] | None = None
) -> list[Participant]:
    """The backends (in :data:`BACKENDS` order), then the anchors, that take part in ``operation``.

    ``names`` keeps only those participants; anchors without the operation are left out.
    """
    found = [backend_function(name, scenario, operation) for name in scenario.backend_names]
    found += [
        Participant(anchor.name, anchor.functions[operation.name], is_anchor=True)
        for anchor in scenario.anchors
        if operation.name in anchor.functions
    ]
    return [p for p in found if names is None or p.name in names]


@dataclass(frozen=True)
class Benchmark:
    """One participant of one operation at one size, as a worker process is told it on its
    command line, looked up with :func:`benchmark`."""

    scenario: Scenario
    operation: Operation
    size: int | None
    participant: Participant

    def function(self) -> Callable[..., Any]:
        """The participant's function; ``RuntimeError`` when it cannot run the operation."""
        if self.participant.function is None:
            raise RuntimeError(
                f"{self.participant.name} cannot run {self.operation.name}: "
                f"{self.participant.reason}"
            )
        return self.participant.function


def benchmark(scenario: str, operation: str, size: str, participant: str) -> Benchmark:
    """The benchmark a worker's options name (``size`` as text, ``"None"`` for none)."""
    found = get(scenario)
    chosen = found.operation(operation)
    [taking_part] = participants(found, chosen, (participant,))
    return Benchmark(found, chosen, None if size == "None" else int(size), taking_part)


def participant_names(scenario: Scenario) -> list[str]:
    """Every backend and anchor name of ``scenario``."""
    return [*scenario.backend_names, *(anchor.name for anchor in scenario.anchors)]


def benchmark_id(
    scenario: str, operation: str, size: int | None, participant: str | None = None
) -> str:
    """``scenario/operation[/size]`` (criterion's ids too), with ``@participant`` when given."""
    base = f"{scenario}/{operation}" if size is None else f"{scenario}/{operation}/{size}"
    return base if participant is None else f"{base}@{participant}"
