"""Scenario 2 through PyO3: the native module's ``#[pyclass]`` types themselves."""

from ffibench._native.person import Payroll, Person, PersonRecord

__all__ = ["Payroll", "Person", "PersonRecord"]
