"""The headless Chromium client itself: images, console errors, requests, screenshots, failures."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest

import browser

pytestmark = [
    pytest.mark.slow,  # each load starts a browser: about a second
    pytest.mark.skipif(browser.chromium() is None, reason="no chromium on PATH"),
]


def _png(width: int, height: int) -> bytes:
    """A real RGB PNG of the given size: a red-green gradient."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0" + b"".join(bytes((255 * x // width, 255 * y // height, 0)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.html"
    path.write_text(f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>")
    return path


def test_a_data_image_loads_offline_and_the_page_is_captured(tmp_path: Path) -> None:
    src = "data:image/png;base64," + base64.b64encode(_png(6, 4)).decode()
    shot = tmp_path / "shot.png"
    page = browser.load(_page(tmp_path, f'<img src="{src}" style="width: 60px">'), shot)
    assert page.title == "T"
    assert page.console == []
    [image] = page.images
    assert image["src_prefix"] == src[:40]
    assert image["complete"] and (image["natural_width"], image["natural_height"]) == (6, 4)
    assert (image["width"], image["height"]) == (60, 40)
    assert page.requests[0] == page.url
    assert src in page.requests
    assert all(url.startswith(("file:", "data:")) for url in page.requests)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 100


def test_console_errors_and_uncaught_exceptions_are_reported(tmp_path: Path) -> None:
    script = '<script>console.log("fine"); console.error("boom"); null.x;</script>'
    page = browser.load(_page(tmp_path, script))
    assert "boom" in page.console
    assert any("TypeError" in text for text in page.console)
    assert not any("fine" in text for text in page.console)


def test_a_remote_image_is_requested_but_never_fetched(tmp_path: Path) -> None:
    page = browser.load(_page(tmp_path, '<img src="https://example.com/x.png">'))
    assert "https://example.com/x.png" in page.requests
    [image] = page.images
    assert image["natural_width"] == 0 and image["natural_height"] == 0
    assert any("ERR_NAME_NOT_RESOLVED" in text for text in page.console)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="cannot open"):
        browser.load(tmp_path / "absent.html")


def test_a_page_that_never_finishes_loading_times_out(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="timed out"):
        browser.load(_page(tmp_path, "<script>while (true) {}</script>"), timeout=3)
