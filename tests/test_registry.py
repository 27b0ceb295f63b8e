"""The registry, the Rust benches and the generated tables agree with each other and the spec."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ffibench
from ffibench import scenarios
from ffibench.harness.metrics import METRICS
from ffibench.pure import basic as spec
from ffibench.scenarios import basic as basic_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_every_scenario_loads_with_unique_operations() -> None:
    for scenario in scenarios.all_scenarios():
        names = [operation.name for operation in scenario.operations]
        assert len(names) == len(set(names)), scenario.name
        for operation in scenario.operations:
            for size in operation.sizes_for(quick=True):
                assert size in operation.sizes
            operation.make_args(operation.sizes[0])


def test_anchors_answer_like_the_spec() -> None:
    scenario = scenarios.get("basic")
    for anchor in scenario.anchors:
        for operation, function in anchor.functions.items():
            for size in scenario.operation(operation).sizes[:2]:
                args = scenario.operation(operation).make_args(size)
                assert function(*args) == getattr(spec, operation)(*args), (anchor.name, size)
    for limit in range(0, 2_000):
        expected = spec.count_primes(limit)
        assert basic_scenario.count_primes_slices(limit) == expected
        assert basic_scenario.count_primes_odd_slices(limit) == expected


def test_criterion_benches_use_the_registry_sizes() -> None:
    source = (ROOT / "crates" / "core" / "benches" / "basic.rs").read_text()
    text_sizes = re.search(r"TEXT_SIZES: \[usize; \d+\] = \[([^\]]*)\]", source)
    sieve = re.search(r"SIEVE_LIMITS: \[\(i64, i64\); \d+\] =\s*\[([^;]*)\];", source)
    assert text_sizes is not None and sieve is not None
    parse = lambda text: [int(n.replace("_", "")) for n in re.findall(r"[\d_]+", text)]  # noqa: E731
    assert tuple(parse(text_sizes.group(1))) == basic_scenario.TEXT_SIZES
    limits_and_counts = parse(sieve.group(1))
    assert tuple(limits_and_counts[0::2]) == basic_scenario.SIEVE_LIMITS
    assert limits_and_counts[1::2] == [
        spec.count_primes(n) for n in basic_scenario.SIEVE_LIMITS[:2]
    ] + [664_579]
    for operation in scenarios.get("basic").operations:
        assert f'"{operation.name}"' in source, f"no criterion bench for {operation.name}"


def test_unicode_tables_match_this_python() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_unicode_tables.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert ffibench.backend("pyo3").basic.to_upper("ß") == "SS"


def test_spec_docstring_examples_hold() -> None:
    failures, tried = doctest.testmod(spec)
    assert tried > 10
    assert failures == 0


@pytest.mark.parametrize("name", ["nope", "", "Python"])
def test_unknown_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        ffibench.backend(name)
    with pytest.raises(KeyError, match="unknown scenario"):
        scenarios.get(name)


def test_arrays_criterion_benches_cover_the_registry_sizes() -> None:
    from ffibench.scenarios import arrays as arrays_scenario

    source = (ROOT / "crates" / "core" / "benches" / "arrays.rs").read_text()
    found = {}
    for name in ("SIZES", "GENERATE_SIZES"):
        match = re.search(rf"const {name}: \[usize; \d+\] = \[([^\]]*)\]", source)
        assert match is not None, name
        found[name] = {int(n.replace("_", "")) for n in re.findall(r"[\d_]+", match.group(1))}
    for operation in scenarios.get("arrays").operations:
        wanted = "GENERATE_SIZES" if operation.function_name.startswith("generate") else "SIZES"
        assert set(operation.sizes) <= found[wanted], operation.name
    fine = set(arrays_scenario.FINE_SIZES) | set(arrays_scenario.LIST_FINE_SIZES)
    assert fine == found["SIZES"]


def test_every_registered_operation_declares_a_known_kind() -> None:
    for scenario in scenarios.all_scenarios():
        assert scenarios.locator(scenario) == scenario.name
        for operation in scenario.operations:
            assert operation.kind in scenarios.KINDS, operation.name
            assert operation.primary_metric in METRICS


def test_an_operation_refuses_what_its_kind_cannot_do() -> None:
    def make(size: int | None) -> tuple[()]:
        return ()

    with pytest.raises(ValueError, match="unknown kind"):
        scenarios.Operation("x", "", make, kind="speed")
    with pytest.raises(ValueError, match="needs a lifecycle"):
        scenarios.Operation("x", "", make, kind="load")
    with pytest.raises(ValueError, match="time operations"):
        scenarios.Operation("x", "", make, kind="memory", work=scenarios.Work(len))
    with pytest.raises(ValueError, match="unknown unit"):
        scenarios.Work(len, unit="parsecs")
    assert scenarios.Operation("x", "", make, kind="latency").primary_metric == "latency_p50_ns"
    assert scenarios.Operation("x", "", make).primary_metric == "time_ns"


def test_a_scenario_outside_the_registry_is_found_by_its_locator() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        found = scenarios.get("test_kinds:SCENARIO")
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert found.name == "kinds" and scenarios.locator(found) == "test_kinds:SCENARIO"
    assert {p.name for p in scenarios.participants(found, found.operation("allocate"))} == {
        "python",
        "python:holder",
    }
    with pytest.raises(KeyError, match="cannot import"):
        scenarios.get("no_such_module_here:SCENARIO")
    with pytest.raises(KeyError, match="has no scenario"):
        scenarios.get("ffibench.scenarios:NOTHING")
