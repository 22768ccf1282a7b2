"""``report.html`` in a real headless Chromium (Debian's ``chromium``): what an instructor sees agrees with grades.csv.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so no extra Python
package is needed. The page is loaded from disk; the test reads the numbers as rendered,
listens for console errors, exceptions and log entries, and for any request leaving
the file (the report must load nothing).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from batch_helpers import RUBRIC, make_gradescope_export, read_csv, run_cli

pytestmark = pytest.mark.sandbox

EVIL = "<script>alert(1)</script>"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: .ci/run installs Debian's chromium package")
    pytest.skip("chromium is not installed (apt-get install chromium)")


class DevTools:
    """A minimal DevTools client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path) -> None:
        low_r, self._to_browser = os.pipe()
        self._from_browser, low_w = os.pipe()
        to_browser_r, from_browser_w = fcntl.fcntl(low_r, fcntl.F_DUPFD, 10), fcntl.fcntl(low_w, fcntl.F_DUPFD, 10)
        os.close(low_r)
        os.close(low_w)
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                 f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]

        def wire() -> None:  # the browser reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen([binary, *flags], preexec_fn=wire, pass_fds=(3, 4),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)
        raise AssertionError(f"no reply to {method}")

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            event = self._read()
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise AssertionError(f"no {method} event")

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise AssertionError("chromium closed the debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (AssertionError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


_READ_PAGE = """JSON.stringify({
  rows: [...document.querySelectorAll('#students tbody tr')].map(tr => ({
    student: tr.querySelector('td.student a, td.student').firstChild.textContent,
    status: tr.querySelector('td.status').innerText,
    total: tr.querySelector('td.total').innerText,
    parts: [...tr.querySelectorAll('td.part')].map(td => td.innerText)})),
  parts: [...document.querySelectorAll('#students thead th')].slice(4).map(th => th.innerText),
  mean: document.querySelector('#mean').innerText,
  median: document.querySelector('#median').innerText,
  bins: [...document.querySelectorAll('#histogram g.bin')].map(g => g.querySelector('text').textContent),
  scripts: document.querySelectorAll('script').length,
  text: document.body.innerText,
  width: document.documentElement.scrollWidth})"""


def test_the_report_shows_the_gradebook_numbers_in_a_real_browser(tmp_path):
    binary = _chromium()
    uploads = {"submission_1": ("hw.py", "correct"), "submission_2": ("hw.py", "sign_error"),
               "submission_3": ("hw.py", "syntax_error"), "submission_4": ("x.py", "transposed")}
    people = {"submission_1": [{"name": EVIL, "sid": "1", "email": "a@x.edu"}],
              "submission_2": [{"name": "Bo", "sid": "2", "email": "b@x.edu"}],
              "submission_3": [{"name": "Cy", "sid": "3", "email": "c@x.edu"}],
              "submission_4": [{"name": "Di", "sid": "4", "email": "d@x.edu"}],
              "submission_5": [{"name": "Ed", "sid": "5", "email": "e@x.edu"}]}
    make_gradescope_export(tmp_path / "export", uploads, people)
    done = run_cli("batch", "export", "--rubric", RUBRIC, "--out", "out", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    csv_rows = {r["identifier"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}

    browser = DevTools(binary, tmp_path / "profile")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Page.navigate", {"url": (tmp_path / "out" / "report.html").as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        page = json.loads(browser.call("Runtime.evaluate", {"expression": _READ_PAGE, "returnByValue": True},
                                       session=session)["result"]["value"])
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
    finally:
        browser.close()

    errors = [e for e in browser.events if e.get("method") in ("Runtime.exceptionThrown",)
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    requests = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
    assert all(url.startswith("file://") for url in requests), requests  # nothing from the network
    assert shot["data"]  # the page rendered

    assert page["scripts"] == 0 and EVIL in page["text"]  # shown as text, never run
    assert {r["student"] for r in page["rows"]} == set(csv_rows)
    for row in page["rows"]:
        expected = csv_rows[row["student"]]
        assert row["total"] == expected["total"] and row["status"] == expected["status"]
        assert row["parts"] == [expected[name] for name in page["parts"]]
    totals = [float(r["total"]) for r in csv_rows.values() if r["total"]]
    assert float(page["mean"]) == pytest.approx(statistics.fmean(totals), abs=0.005)
    assert float(page["median"]) == pytest.approx(statistics.median(totals), abs=0.005)
    bins = [0] * 10
    for total in totals:
        bins[min(9, int(total / float(next(iter(csv_rows.values()))["max"]) * 10))] += 1
    assert [int(b) for b in page["bins"]] == bins
    assert csv_rows["5"]["status"] == "missing" and "missing" in page["text"]
