"""Start the Streamlit app on a free loopback port, and launch Debian's Chromium for it.

A test helper that the UI latency benchmark imports too, so the browser tests and the
benchmark drive the app the same way: ``streamlit run app.py`` from the repository root as
a subprocess, ready once ``/_stcore/health`` answers, stopped (its whole process group) at
the end.

Chromium is Debian's (``apt-get install chromium``), never a browser Playwright
downloads: this machine reaches no browser download site.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from deploy.cluster import HOST, app_command, free_port, healthy

ROOT = Path(__file__).resolve().parents[2]  # the repository

#: Debian's Chromium; Playwright is told to use it instead of a browser of its own.
CHROMIUM = Path("/usr/bin/chromium")
#: Flags for headless Chromium as root on a machine with no network but loopback.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHROMIUM_MISSING = (
    f"{CHROMIUM} not found: the browser tests and the UI benchmark need Debian's Chromium "
    "(apt-get update && apt-get install -y chromium). Do not run `playwright install`."
)


class ServerError(RuntimeError):
    """The app did not start (or stopped) before it answered its health check."""


@dataclass
class StreamlitServer:
    """A running ``streamlit run app.py``; :attr:`url` is its page."""

    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and any process it started; idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


def start(
    root: Path = ROOT,
    timeout: float = 60.0,
    host: str = HOST,
    env: dict[str, str] | None = None,
) -> StreamlitServer:
    """Start the app on a free port and return once its health check answers.

    ``env`` adds to the environment, e.g. ``CENTERPIN_DB_URL`` for a scratch database.

    Raises :class:`ServerError` with the server's output if it exits or stays silent
    for ``timeout`` seconds.
    """
    port = free_port(host)
    # Open for the server's lifetime; StreamlitServer.stop() closes and removes it.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="centerpin-streamlit-", suffix=".log", delete=False
    )
    command = app_command(port, host)
    process = subprocess.Popen(
        command,
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() ends all of it
        env={**os.environ, **(env or {})},
    )
    server = StreamlitServer(process=process, port=port, log=log, host=host)
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        if process.poll() is not None:
            output = server.output()
            server.stop()
            raise ServerError(f"streamlit exited with {process.returncode}:\n{output}")
        if healthy(server.url):
            return server
        if time.monotonic() > deadline:
            output = server.output()
            server.stop()
            raise ServerError(f"streamlit did not answer within {timeout:.0f} s:\n{output}")
        time.sleep(delay)  # polling interval, not a wait for a fixed time
        delay = min(delay * 1.5, 0.5)


@contextlib.contextmanager
def running(root: Path = ROOT, timeout: float = 60.0) -> Iterator[StreamlitServer]:
    """``with running() as server:`` the app, stopped on the way out."""
    server = start(root, timeout)
    try:
        yield server
    finally:
        server.stop()


def launch_chromium(playwright: Any, **options: Any) -> Any:
    """Debian's headless Chromium through Playwright's sync API (``playwright.chromium``)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(CHROMIUM_MISSING)
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True, **options
    )
