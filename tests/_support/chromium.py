"""A headless Chromium driven over the DevTools protocol (its pipe, no port): the docs' width
check and the emulator console's browser test share it."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: The window: the docs' width check measures pages at 1280 px.
WIDTH, HEIGHT = 1280, 900
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


_LAUNCH = """
import os, sys
reads, writes = int(sys.argv[1]), int(sys.argv[2])
os.dup2(reads, 3)
os.dup2(writes, 4)
os.close(reads)
os.close(writes)
os.execv(sys.argv[3], sys.argv[3:])
"""


def _above_4(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Chromium:
    """Headless Chromium driven through the DevTools Protocol on a pair of pipes.

    Chromium reads commands on its fd 3 and writes answers and events on its fd 4, each message
    one JSON text ended by a NUL byte.
    """

    def __init__(self, executable: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="otr-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Above 4, so that moving them to fds 3 and 4 in the child cannot overwrite one another.
        to_browser_r = _above_4(to_browser_r)
        from_browser_w = _above_4(from_browser_w)
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--user-data-dir={self._profile.name}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # A small Python launcher moves the two pipe ends to fds 3 and 4, then becomes Chromium.
        self._process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(to_browser_r), str(from_browser_w), *command],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session = ""
        self._target = ""

    def open_tab(self) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            session=False,
        )
        self._target = target["targetId"]
        self._session = attached["sessionId"]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    def close_tab(self) -> None:
        """Closes the tab ``open_tab`` opened (the browser goes on)."""
        self.call("Target.closeTarget", {"targetId": self._target}, session=False)
        self._session = ""
        self._events.clear()

    def load(self, url: str, timeout: float = 30.0) -> None:
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        self._wait_event("Page.loadEventFired", timeout)
        self.evaluate("document.fonts.ready.then(() => true)")

    def evaluate(self, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"script failed in the page: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> None:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            height = self.evaluate("document.documentElement.scrollHeight")
            params["clip"] = {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}
        answer = self.call("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(answer["data"]))

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = True
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60.0
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            if "method" in reply:
                self._events.append(reply)

    def _wait_event(self, method: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event["method"] == method and event.get("sessionId") == self._session:
                    return
            self._events.clear()
            self._events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe (did it start?)")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        reply: dict[str, Any] = json.loads(message)
        return reply

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.call("Browser.close", session=False)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()


def started_chromium() -> Iterator[Chromium | None]:
    """A headless Chromium for the whole run of a test process (``None`` when there is none),
    closed at its end: the ``chromium`` fixture of ``tests/conftest.py``. Starting one costs
    about 0.7 s of CPU; each module that needs it opens a tab of its own (``chromium_tab``)."""
    executable = find_chromium()
    if executable is None:
        yield None
        return
    chromium = Chromium(executable)
    try:
        yield chromium
    finally:
        chromium.close()


def chromium_tab(chromium: Chromium | None, needed_for: str) -> Iterator[Chromium]:
    """A new tab of the process's Chromium (at the default window size), closed afterwards;
    a skip when there is no Chromium."""
    if chromium is None:
        pytest.skip(f"{needed_for} needs Chromium (Debian: apt-get install chromium)")
    chromium.open_tab()
    try:
        yield chromium
    finally:
        chromium.close_tab()


def wait_for(browser: Chromium, expression: str, timeout: float = 10.0) -> Any:
    """The value of ``expression`` in the page once it is truthy; fails after ``timeout``."""
    script = f"""
    new Promise((resolve, reject) => {{
      const start = Date.now();
      const check = () => {{
        let value;
        try {{ value = ({expression}); }} catch (error) {{ value = null; }}
        if (value) resolve(value);
        else if (Date.now() - start > {timeout * 1000})
          reject(new Error("timed out: " + {json.dumps(expression)}));
        else setTimeout(check, 50);
      }};
      check();
    }})
    """
    return browser.evaluate(script)


def set_viewport(browser: Chromium, width: int, height: int, *, mobile: bool) -> None:
    """The tab's window size, as a desktop or (``mobile``) a phone shows the page."""
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def sideways_overflow(browser: Chromium) -> int:
    """How many pixels the page is wider than its window (0 when it fits)."""
    scroll: int = browser.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return scroll
