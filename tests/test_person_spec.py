"""Scenario 2's spec, ahead of its backends: the checks, the generator, and the Rust core's names.

The four backends of ``person`` are still to come; until then this pins the spec that they
will be compared with, and keeps its name list identical to the Rust core's.
"""

from __future__ import annotations

import doctest
import math
import re
from pathlib import Path

import pytest

from ffibench.pure import person as spec

ROOT = Path(__file__).resolve().parent.parent


def test_docstring_examples_hold() -> None:
    failures, tried = doctest.testmod(spec)
    assert tried >= 4
    assert failures == 0


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "", ValueError),
        ("name", "x" * 257, ValueError),
        ("name", "\ud800", UnicodeEncodeError),
        ("name", b"Ada", TypeError),
        ("name", None, TypeError),
        ("age", -1, ValueError),
        ("age", 151, ValueError),
        ("age", 2**70, OverflowError),
        ("age", 36.0, TypeError),
        ("age", "36", TypeError),
        ("salary", -0.01, ValueError),
        ("salary", math.nan, ValueError),
        ("salary", math.inf, ValueError),
        ("salary", "5200", TypeError),
        ("salary", None, TypeError),
    ],
)
def test_a_rejected_write_changes_nothing(field: str, value: object, error: type) -> None:
    ada = spec.Person("Ada", 36, 5200.0)
    with pytest.raises(error) as caught:
        setattr(ada, field, value)
    assert type(caught.value) is error
    assert ada == spec.Person("Ada", 36, 5200.0)
    with pytest.raises(error):
        spec.Person(**{"name": "Ada", "age": 36, "salary": 5200.0, field: value})


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


def test_payroll_operations() -> None:
    payroll = spec.Payroll.generate(200, 3)
    original = payroll[0].age
    copy = payroll[0]
    copy.age = 150 if original != 150 else 0
    assert payroll[0].age == original, "items are copies: writing one leaves the table alone"
    before = payroll.salaries().copy()
    raised = payroll.give_raise(10, 60)
    after = payroll.salaries()
    assert raised == int((payroll.ages() >= 60).sum())
    assert ((after > before) == (payroll.ages() >= 60)).all()
    top = payroll.top_earners(3)
    assert [p.salary for p in top] == sorted(after.tolist(), reverse=True)[:3]
    with pytest.raises(IndexError):
        payroll[200]
    with pytest.raises(TypeError):
        payroll.append("Ada")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="width"):
        payroll.mean_salary_by_age_band(0)
