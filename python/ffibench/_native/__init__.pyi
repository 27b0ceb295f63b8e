# Stubs of the PyO3 extension module ffibench._native (crates/python), checked by
# `python -m mypy.stubtest ffibench._native` in `make lint`. This folder holds stubs only: at
# run time the extension module beside it is imported, never this folder.
from ffibench._native import arrays as arrays
from ffibench._native import basic as basic
from ffibench._native import buffers as buffers
from ffibench._native import documents as documents
from ffibench._native import events as events
from ffibench._native import http as http
from ffibench._native import matmul as matmul
from ffibench._native import person as person
from ffibench._native import words as words

__all__ = [
    "arrays",
    "basic",
    "buffers",
    "build_info",
    "documents",
    "events",
    "http",
    "matmul",
    "person",
    "words",
]

def build_info() -> dict[str, str]: ...
