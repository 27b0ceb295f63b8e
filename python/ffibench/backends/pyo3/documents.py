"""Scenario 7 through PyO3: the native module's ``#[pyclass]`` types and ``generate``."""

from ffibench._native.documents import Document, DocumentView, generate

__all__ = ["Document", "DocumentView", "generate"]
