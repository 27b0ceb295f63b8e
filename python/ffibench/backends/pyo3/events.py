"""Scenario 6 through PyO3: the native module's ``EventStream`` itself."""

from ffibench._native.events import EventStream

__all__ = ["EventStream"]
