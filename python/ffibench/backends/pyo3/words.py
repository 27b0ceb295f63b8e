"""Scenario 4 through PyO3: the native module's ``#[pyclass]`` types themselves."""

from ffibench._native.words import KeyValueStore, WordCounts

__all__ = ["KeyValueStore", "WordCounts"]
