"""Debian's Chromium driven by Playwright, shared by every browser test (fixtures in conftest)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "pico.min.css"

# The flags this machine needs: no sandbox as root, no GPU, and nothing that calls out to the
# network, which is closed here (Chromium would otherwise retry Google's hosts at every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class BrowserThread:
    """One Chromium, driven from a thread of its own; tests hand it work with `run()`.

    Playwright's sync API keeps an asyncio loop marked as running in the thread that uses it,
    and Django keys database connections by context, not by thread, while a loop runs
    (asgiref's thread-critical Local). Driven from the test thread, it gave the tests of the
    rest of the session fresh connection objects, which lost the serialized test data and
    broke every later `serialized_rollback`. Here the test thread never sees that loop.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="playwright", daemon=True)
        self._thread.start()
        self._ready.wait(120)
        if self._error is not None:
            raise self._error

    def _main(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        while (job := self._jobs.get()) is not None:
            work, outcome = job
            try:
                outcome["result"] = work(browser)
            except BaseException as exc:
                outcome["error"] = exc
            outcome["done"].set()
        browser.close()
        playwright.stop()

    def run(self, work: Callable, timeout: float = 180):
        """Run `work(browser)` in the browser's thread; its exceptions are raised here."""
        outcome: dict = {"done": threading.Event()}
        self._jobs.put((work, outcome))
        if not outcome["done"].wait(timeout):
            raise TimeoutError(f"the browser did not finish within {timeout} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(60)
