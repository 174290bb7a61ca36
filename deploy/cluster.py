"""Several Streamlit app servers behind nginx on one PostgreSQL database, on one machine.

``python -m deploy.cluster`` (or ``make cluster``) migrates the database once, starts
``--servers`` app servers (``streamlit run app.py``) on 127.0.0.1 ports from
``--app-port`` up, renders :file:`deploy/nginx.conf.template` and starts nginx on
127.0.0.1:``--port`` in front of them, prints the address and runs until Ctrl-C (or
SIGTERM), then stops nginx and every server. A server or nginx that stops on its own stops
the rest too (exit 1). The database is ``--db-url`` or ``CENTERPIN_DB_URL``; it must be
PostgreSQL: a SQLite file is one machine's and one writer's at a time.

Every server gets the same cookie secret, so a session that nginx moves to another server
(its first one stopped) keeps a valid XSRF cookie. Sessions themselves are not shared
between servers; nginx keeps each browser on one (see the template).

The load benchmark (``benchmarks/load.py``) starts the same cluster through :func:`start`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository: where app.py is
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
HOST = "127.0.0.1"  # loopback only; a real deployment edits the template's `listen`
DB_ENV = "CENTERPIN_DB_URL"
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


class ClusterError(RuntimeError):
    """The cluster could not start: a bad setting, a busy port, a process that stopped."""


def nginx_path() -> str:
    """Debian's nginx binary (``apt-get install -y nginx``)."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ClusterError("nginx not found: install Debian's (apt-get install -y nginx)")


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _check_free(port: int, host: str = HOST) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise ClusterError(f"port {host}:{port} is in use: choose another") from None


def render(template: str, *, app_ports: list[int], port: int, prefix: Path) -> str:
    """The nginx configuration for app servers on ``app_ports``, listening on ``port``."""
    servers = "\n".join(
        f"        server {HOST}:{p} max_fails=3 fail_timeout=10s;" for p in app_ports
    )
    filled = (
        template.replace("@@SERVERS@@", servers)
        .replace("@@HOST@@", HOST)
        .replace("@@PORT@@", str(port))
        .replace("@@PREFIX@@", str(prefix))
    )
    if "@@" in filled:
        raise ClusterError("the nginx template has a field this script does not fill")
    return filled


def app_command(port: int, host: str = HOST, *options: str) -> list[str]:
    """``streamlit run app.py`` on ``host:port``, headless, without usage statistics; then
    ``options`` (more ``--section.option value`` flags). The browser tests' launcher
    (``tests/e2e/server.py``) starts the app with it too."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *options,
    ]


def healthy(url: str) -> bool:
    """Whether the app server at ``url`` (ending in ``/``) answers its health check."""
    try:
        with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process started in its own group, and anything it started."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT_S)


@dataclass
class AppServer:
    """One ``streamlit run app.py``; its output goes to :attr:`log`."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Cluster:
    """App servers, nginx in front of them, and the folder with their logs."""

    servers: list[AppServer]
    port: int
    workdir: Path
    nginx: subprocess.Popen[bytes] | None = None
    _owns_workdir: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def stopped(self) -> str | None:
        """Which process has stopped on its own, if any."""
        if self.nginx is not None and self.nginx.poll() is not None:
            return f"nginx exited with {self.nginx.returncode} (see {self.workdir}/error.log)"
        for server in self.servers:
            if server.process.poll() is not None:
                return (
                    f"the app server on port {server.port} exited with "
                    f"{server.process.returncode} (see {server.log})"
                )
        return None

    def keep_logs(self) -> None:
        """Leave the folder of logs in place when stopping (to read what went wrong)."""
        self._owns_workdir = False

    def stop(self) -> None:
        """Stop nginx first (no new requests), then every app server; idempotent."""
        if self.nginx is not None:
            _stop(self.nginx)
        for server in self.servers:
            _stop(server.process)
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _migrate(db_url: str) -> None:
    """Open the store once before the servers do: it checks the URL and creates or
    migrates the tables, so the servers start on a ready database."""
    from simulator import kpi_sets

    try:
        kpi_sets.Store(db_url).close()
    except kpi_sets.StoreError as error:
        raise ClusterError(f"the KPI set database cannot be used: {error}") from None


def start_app(port: int, db_url: str, cookie_secret: str, workdir: Path) -> AppServer:
    log = workdir / f"app-{port}.log"
    command = app_command(port, HOST, "--server.fileWatcherType", "none")
    env = {**os.environ, DB_ENV: db_url, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script, which stops it in order
            env=env,
        )
    return AppServer(process=process, port=port, log=log)


def _wait_ready(cluster: Cluster, urls: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    delay = 0.05
    while pending:
        problem = cluster.stopped()
        if problem:
            raise ClusterError(problem)
        pending = [url for url in pending if not healthy(url)]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"no answer from {pending} within {timeout:.0f} s")
        time.sleep(delay)  # polling interval
        delay = min(delay * 1.5, 0.5)


def start(
    db_url: str,
    *,
    servers: int = 2,
    port: int = 8080,
    app_port: int = 8501,
    workdir: Path | None = None,
    timeout: float = START_TIMEOUT_S,
) -> Cluster:
    """Start the cluster and return once nginx and every server answer their health check.

    ``port`` or ``app_port`` 0 picks free ports. ``workdir`` holds the rendered nginx
    configuration and every log (a new temporary folder, removed by :meth:`Cluster.stop`,
    when not given). Raises :class:`ClusterError`, with nothing left running, on failure.
    """
    if not db_url.startswith("postgresql"):
        raise ClusterError(
            f"several app servers need one PostgreSQL database ({DB_ENV} or --db-url = "
            "postgresql+psycopg://user:password@127.0.0.1:5432/centerpin), not a SQLite file"
        )
    if not 1 <= servers <= 16:
        raise ClusterError("--servers must be between 1 and 16")
    nginx = nginx_path()
    port = port or free_port()
    app_ports = (
        [free_port() for _ in range(servers)]
        if app_port == 0
        else [app_port + i for i in range(servers)]
    )
    for p in (port, *app_ports):
        _check_free(p)
    _migrate(db_url)

    owns = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="centerpin-cluster-")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    # nginx's workers run as an unprivileged user when it is started as root: they need to
    # reach their temporary folders in here.
    workdir.chmod(0o755)
    cluster = Cluster(servers=[], port=port, workdir=workdir, _owns_workdir=owns)
    try:
        secret = secrets.token_hex(32)
        cluster.servers = [start_app(p, db_url, secret, workdir) for p in app_ports]
        # nginx only once every server answers: a refused first request would mark a
        # server down for its fail_timeout.
        _wait_ready(cluster, [s.url for s in cluster.servers], timeout)
        config = workdir / "nginx.conf"
        config.write_text(
            render(TEMPLATE.read_text(), app_ports=app_ports, port=port, prefix=workdir)
        )
        with (workdir / "nginx.out").open("wb") as out:
            cluster.nginx = subprocess.Popen(
                [
                    nginx,
                    "-p",
                    str(workdir),
                    "-c",
                    str(config),
                    "-e",
                    str(workdir / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_ready(cluster, [cluster.url], timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def running(db_url: str, **options: object) -> Iterator[Cluster]:
    """``with running(url) as cluster:`` the cluster, stopped on the way out."""
    cluster = start(db_url, **options)  # type: ignore[arg-type]
    try:
        yield cluster
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.cluster",
        description="Start Centerpin's app servers behind nginx on one PostgreSQL database "
        "(127.0.0.1 only); Ctrl-C stops everything.",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get(DB_ENV, ""),
        help=f"the PostgreSQL database (default: ${DB_ENV})",
    )
    parser.add_argument("--servers", type=int, default=2, help="app servers (2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (8080)")
    parser.add_argument(
        "--app-port", type=int, default=8501, help="the first app server's port (8501)"
    )
    parser.add_argument(
        "--logs",
        type=Path,
        default=None,
        help="folder for the logs and nginx.conf (default: a temporary one, removed at the end)",
    )
    args = parser.parse_args(argv)
    if not args.db_url:
        parser.error(f"give --db-url or set {DB_ENV} to a PostgreSQL URL")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        cluster = start(
            args.db_url,
            servers=args.servers,
            port=args.port,
            app_port=args.app_port,
            workdir=args.logs,
        )
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 2
    try:
        ports = ", ".join(str(s.port) for s in cluster.servers)
        print(f"Centerpin: {cluster.url}", flush=True)
        print(
            f"  nginx → {len(cluster.servers)} app servers on {HOST} ports {ports}; "
            f"logs in {cluster.workdir}; Ctrl-C stops everything",
            flush=True,
        )
        problem = None
        while not stop.wait(0.5):
            problem = cluster.stopped()
            if problem:
                cluster.keep_logs()
                print(f"cluster: {problem}; stopping the rest", file=sys.stderr)
                break
    finally:
        cluster.stop()
    print("cluster: stopped", flush=True)
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
