"""A small stdlib-only client for headless Chromium over the DevTools protocol (CDP).

It speaks CDP over `--remote-debugging-pipe`: NUL-terminated JSON, commands on the browser's
fd 3 and replies and events on its fd 4. `load` opens a local HTML file offline and reports
what a reader would see go wrong: console errors, requests, images that did not decode.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Headless, offline, quiet: no host resolves, no background services phone home.
FLAGS = [
    "--headless", "--disable-gpu", "--no-sandbox",  # we run as root
    "--remote-debugging-pipe", "--host-resolver-rules=MAP * ~NOTFOUND",  # IP literals too
    "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-extensions", "--disable-sync", "--no-pings",
    "--disable-default-apps", "--disable-domain-reliability", "--disable-breakpad",
    "--disable-client-side-phishing-detection", "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--disable-dev-shm-usage", "--password-store=basic", "--use-mock-keychain",
    "--mute-audio", "--hide-scrollbars",
]  # fmt: skip

#: Wait for every image to decode (a broken one rejects), then report each one's sizes.
_IMAGES = """(async () => {
  if (document.readyState !== "complete")
    await new Promise((done) => addEventListener("load", done, {once: true}));
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  return images.map((img) => {
    const box = img.getBoundingClientRect();
    return {src_prefix: (img.getAttribute("src") || "").slice(0, 40), complete: img.complete,
            natural_width: img.naturalWidth, natural_height: img.naturalHeight,
            width: box.width, height: box.height};
  });
})()"""


@dataclass
class PageLoad:
    url: str
    console: list[str]  # console error/assert calls, uncaught exceptions, Log errors
    requests: list[str]  # every URL the page requested, data: ones included
    images: list[dict[str, Any]]  # per <img>: src_prefix, complete, natural_*, rendered size
    title: str


def chromium() -> str | None:
    """The path of a Chromium or Chrome executable on PATH, or None."""
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next((path for name in names if (path := shutil.which(name))), None)


class _Browser:
    """One Chromium process and its pipe; every read waits at most until `deadline`."""

    def __init__(self, executable: str, profile: Path, deadline: float) -> None:
        self.deadline, self.stderr = deadline, profile / "stderr.txt"
        to_child, self.write_fd = os.pipe()
        self.read_fd, from_child = os.pipe()
        # Above 4, so the child's dup2 onto 3 and 4 cannot clobber one end with the other.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child, from_child)]
        for fd in (to_child, from_child):
            os.close(fd)

        def onto_3_and_4() -> None:
            os.dup2(ends[0], 3)  # dup2 leaves 3 and 4 inheritable: they outlive the exec
            os.dup2(ends[1], 4)

        argv = [executable, *FLAGS, f"--user-data-dir={profile / 'profile'}", "about:blank"]
        with self.stderr.open("wb") as err:
            # Not pass_fds=(3, 4): the child marks those inheritable before preexec_fn runs,
            # which fails (EBADF) when this process has no 3 or 4 open. Without close_fds the
            # child keeps what dup2 made; every other descriptor Python opened is CLOEXEC.
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err, close_fds=False,
                preexec_fn=onto_3_and_4,  # noqa: PLW1509 (no threads here)
                start_new_session=True,  # its own process group, so that close ends them all
            )  # fmt: skip
        for fd in ends:
            os.close(fd)
        self.buffer, self.next_id = b"", 0
        self.events: list[dict[str, Any]] = []

    def fail(self, why: str) -> RuntimeError:
        text = self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
        lines = [line for line in text.splitlines() if "dbus" not in line]  # no bus here: noise
        return RuntimeError(f"chromium {why}; its stderr ends:\n" + "\n".join(lines[-20:]))

    def _message(self, awaited: str) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise self.fail(f"timed out awaiting {awaited}")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise self.fail(f"exited (status {self.process.poll()})")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Run one command and return its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        data = json.dumps(command).encode() + b"\0"
        while data:
            if not select.select([], [self.write_fd], [], self.deadline - time.monotonic())[1]:
                raise self.fail(f"timed out sending {method}")
            data = data[os.write(self.write_fd, data) :]
        while (message := self._message(method)).get("id") != self.next_id:
            self.events.append(message)
        if "error" in message:
            raise RuntimeError(f"{method} failed: {message['error']}")
        return message["result"]

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the page, promises awaited."""
        reply = self.send(
            "Runtime.evaluate", session,
            expression=expression, awaitPromise=True, returnByValue=True,
        )  # fmt: skip
        if "exceptionDetails" in reply:
            raise RuntimeError(f"script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait(self, method: str, start: int) -> None:
        """Wait for an event `method`, looking only at events from index `start` on."""
        while not any(event.get("method") == method for event in self.events[start:]):
            self.events.append(self._message(method))

    def close(self) -> None:
        """Ask the browser to quit, give it a few seconds, then kill its whole process group."""
        with contextlib.suppress(OSError):
            os.set_blocking(self.write_fd, False)
            os.write(self.write_fd, b'{"id": 0, "method": "Browser.close"}\0')
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        for fd in (self.write_fd, self.read_fd):
            os.close(fd)


def _console(event: dict[str, Any]) -> str | None:
    """The text of an event that a reader would count as a console error, or None."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        args = params.get("args", [])
        return " ".join(str(a.get("value", a.get("description", ""))) for a in args)
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        return details.get("exception", {}).get("description") or details["text"]
    if method == "Log.entryAdded" and params["entry"]["level"] == "error":
        return params["entry"]["text"]
    return None


def load(path: Path, screenshot: Path | None = None, timeout: float = 60.0) -> PageLoad:
    """Open a local HTML file offline in headless Chromium, wait for the load event (and for all
    images to decode), collect the above, and save a full-page PNG screenshot when asked.

    `timeout` bounds the whole visit; a browser that dies or overruns it raises RuntimeError."""
    executable = chromium()
    if executable is None:
        raise RuntimeError("no chromium, chromium-browser or google-chrome on PATH")
    url = path.resolve().as_uri()
    with tempfile.TemporaryDirectory(
        prefix="ffibench-chromium-", ignore_cleanup_errors=True
    ) as profile:
        browser = _Browser(executable, Path(profile), time.monotonic() + timeout)
        try:
            target = browser.send("Target.createTarget", url="about:blank")["targetId"]
            session = browser.send("Target.attachToTarget", targetId=target, flatten=True)
            sid = session["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.send(f"{domain}.enable", sid)
            browser.send(
                "Emulation.setDeviceMetricsOverride", sid,
                width=1280, height=800, deviceScaleFactor=1, mobile=False,
            )  # fmt: skip
            start = len(browser.events)
            navigated = browser.send("Page.navigate", sid, url=url)
            if navigated.get("errorText"):
                raise RuntimeError(f"cannot open {url}: {navigated['errorText']}")
            browser.wait("Page.loadEventFired", start)
            images = browser.evaluate(sid, _IMAGES)
            if screenshot is not None:
                metrics = browser.send("Page.getLayoutMetrics", sid)
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
                shot = browser.send(
                    "Page.captureScreenshot", sid,
                    format="png", captureBeyondViewport=True, clip={**clip, "scale": 1},
                )  # fmt: skip
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            events = [e for e in browser.events if e.get("sessionId") == sid]
            return PageLoad(
                url=url,
                console=[text for e in events if (text := _console(e)) is not None],
                requests=[
                    e["params"]["request"]["url"]
                    for e in events
                    if e.get("method") == "Network.requestWillBeSent"
                ],
                images=images,
                title=browser.evaluate(sid, "document.title"),
            )
        finally:
            browser.close()
