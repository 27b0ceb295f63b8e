"""The http scenario's registry and a real measurement: every server answers each operation's
fixed request as the reference does, and a quick load run under wrk gives figures without
errors, the servers always stopped.

The participants are servers; their launchers (``ffibench.web.servers``) are tested by the
contract tests. Here the scenario's own pieces are: the fixed requests, the comparisons, the
lifecycle (a fresh, stocked, warmed server for wrk) and the results they make.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest

from ffibench import scenarios
from ffibench.harness.run import measure_task, plan_tasks
from ffibench.pure import arrays
from ffibench.scenarios import http
from ffibench.web import servers


def test_the_scenario_names_its_servers_and_its_reference() -> None:
    scenario = scenarios.get("http")
    assert scenario.backend_names == ()
    assert [anchor.name for anchor in scenario.anchors] == list(servers.SERVERS)
    assert http.SERVERS == servers.SERVERS
    assert scenario.reference == "flask:gunicorn"
    for operation in scenario.operations:
        assert operation.kind == "load" and operation.lifecycle is not None
        method, path, body = http.REQUESTS[operation.name]
        load = operation.load_run
        assert (load.method, load.path, load.body) == (method, path, body)
        assert load.connections == http.CONNECTIONS
        assert operation.make_args(None) == (method, path, body)


def test_the_requests_are_what_the_pages_say() -> None:
    stats = json.loads(http.REQUESTS["stats"][2] or b"")
    assert len(stats) == http.STATS_VALUES and all(isinstance(x, float) for x in stats)
    text = json.loads(http.REQUESTS["words_top"][2] or b"")["text"]
    assert 1_800 <= len(text.split()) <= 2_200
    operands = json.loads(http.REQUESTS["matmul"][2] or b"")
    assert {len(operands["a"]), len(operands["a"][0]), len(operands["b"][0])} == {http.MATRIX_N}
    assert json.loads(http.REQUESTS["people_put"][2] or b"") == http.PERSON


@pytest.mark.parametrize(
    ("result", "expected", "equal"),
    [
        ((200, {"a": 1}), (200, {"a": 1}), True),
        ((200, {"a": 1.0}), (200, {"a": 1}), False),
        ((200, {"a": -0.0}), (200, {"a": 0.0}), False),
        ((200, {"a": [1.5, "x"]}), (200, {"a": [1.5, "x"]}), True),
        ((200, {"a": [1.5]}), (200, {"a": [1.5, 2.0]}), False),
        ((200, {"a": 1, "b": 2}), (200, {"a": 1}), False),
        ((201, {"a": 1}), (200, {"a": 1}), False),
        ((204, None), (204, None), True),
        ([200, {"a": 1}], (200, {"a": 1}), False),
    ],
)
def test_answers_compare_type_for_type(result: object, expected: object, equal: bool) -> None:
    assert http.same(result, expected) is equal


def test_products_compare_within_the_matmul_bound() -> None:
    operands = json.loads(http.REQUESTS["matmul"][2] or b"")
    import numpy

    product = (numpy.array(operands["a"]) @ numpy.array(operands["b"])).tolist()
    nudged = [[math.nextafter(x, math.inf) for x in row] for row in product]
    assert http.same_product((200, {"c": product}), (200, {"c": nudged}))
    far = [[x + 1e-3 for x in row] for row in product]
    assert not http.same_product((200, {"c": far}), (200, {"c": product}))
    assert not http.same_product((200, {"c": product[:-1]}), (200, {"c": product}))
    assert not http.same_product((400, {"c": product}), (200, {"c": product}))
    assert not http.same_product((200, {"d": product}), (200, {"c": product}))


def test_a_participant_that_is_not_a_server_is_refused() -> None:
    with pytest.raises(TypeError, match="Exchange"):
        http.serving(print, ())


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make system-deps)")
def test_a_quick_load_run_checks_then_measures_every_server_of_an_endpoint() -> None:
    chosen = ("flask:werkzeug", "flask:gunicorn", "axum", "axum:inprocess")
    [task] = plan_tasks([scenarios.get("http")], chosen, quick=True, operations=("stats",))
    found = {result["backend"]: result for result in measure_task(task, quick=True)}
    assert set(found) == set(chosen)
    for name, result in found.items():
        assert result["status"] == "ok", (name, result)
        assert (result["kind"], result["primary"]) == ("load", "requests_per_s")
        metrics = result["metrics"]
        assert metrics["requests"]["min"] > 0, name
        assert metrics["requests_per_s"]["samples"] == 2, name
        for kind in ("connect", "read", "write", "timeout", "status"):
            assert metrics[f"errors_{kind}"]["max"] == 0, (name, kind)
    # the answer every server gave is the spec's
    values = json.loads(http.REQUESTS["stats"][2] or b"")
    status, body = http.Exchange("axum")(*http.REQUESTS["stats"])
    assert status == 200
    assert body == {
        "count": len(values),
        "sum": arrays.pairwise_sum(values),
        "mean": arrays.pairwise_sum(values) / len(values),
        "min": min(values),
        "max": max(values),
    }


def test_a_server_that_answers_wrong_is_not_measured() -> None:
    """A participant whose answer differs from the reference's is a mismatch, not a figure:
    the words endpoint asked for k=3 by one server and k=10 by the reference."""

    class Asking(http.Exchange):
        def __call__(self, method: str, path: str, body: bytes | None) -> http.Answer:
            return super().__call__(method, path.replace("k=10", "k=3"), body)

    scenario = scenarios.get("http")
    operation = scenario.operation("words_top")
    reference = scenarios.Participant("flask:gunicorn", http.Exchange("flask:werkzeug"))
    wrong = scenarios.Participant("axum", Asking("axum"), is_anchor=True)
    task = plan_tasks([scenario], ("flask:gunicorn",), quick=True, operations=("words_top",))[0]
    from ffibench.harness import run as harness

    expected = reference.function(*operation.make_args(None))  # type: ignore[misc]
    checked = harness._check(task, wrong, expected, quick=True)
    assert checked.job is None and checked.result is not None
    assert checked.result["status"] == "mismatch", checked.result
