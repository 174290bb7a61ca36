"""Two app servers on one PostgreSQL database, as behind the load balancer: a session stays
with its server, and saves from both servers on one KPI set conflict as they do on one.

Each browser talks to its server directly (nginx in front only decides which server a
browser gets; ``make load`` measures the cluster with nginx). The database is a fresh
schema of ``CENTERPIN_TEST_POSTGRES_URL``, dropped afterwards; without that URL the test
is skipped (it fails instead under ``CENTERPIN_REQUIRE_POSTGRES=1``, as in CI).

Hooks relied on: as in ``test_kpi_sets_browser`` (the save form's labels, widget keys
``author`` and ``lever:team.reps``), plus the conflict panel's catalog keys
``save.conflict`` and ``save.copy``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from simulator import kpi_sets as kpi_store
from tests.conftest import _postgres_base_url, scratch_postgres_url
from tests.e2e import server
from tests.e2e.test_kpi_sets_browser import _fill, _set_reps
from tests.e2e.test_whatif_browser import no_exception, open_app
from ui.i18n import t
from ui.plans import DEFAULT_PLAN, sample

pytestmark = pytest.mark.e2e

NAME = "E2E 共有計画 二台"


@pytest.fixture(scope="module")
def shared_db() -> Iterator[str]:
    """One PostgreSQL schema for both servers, its tables made before they start."""
    with scratch_postgres_url(_postgres_base_url(), prefix="e2e_cluster") as url:
        kpi_store.Store(url).close()
        yield url


@pytest.fixture(scope="module")
def two_servers(shared_db: str) -> Iterator[tuple[server.StreamlitServer, ...]]:
    # One cookie secret for both, as deploy/cluster.py gives its servers.
    env = {"CENTERPIN_DB_URL": shared_db, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    started: list[server.StreamlitServer] = []
    try:
        for _ in range(2):
            started.append(server.start(env=env))
        yield tuple(started)
    finally:
        for running in started:
            running.stop()


def _save(page: Page, comment: str) -> None:
    page.get_by_role("button", name=t("save.button", "ja")).click()
    _fill(page, "save_comment_whatif", comment)
    page.get_by_role("button", name=t("save.submit", "ja"), exact=True).click()


def test_saves_from_two_servers_on_one_set_conflict_and_none_is_lost(
    two_servers: tuple[server.StreamlitServer, ...],
    shared_db: str,
    new_context: Callable[..., BrowserContext],
) -> None:
    first, second = two_servers
    plan = sample(DEFAULT_PLAN)
    store = kpi_store.Store(shared_db)
    store.create(NAME, plan, author="準備", comment="共有の出発点")
    reps = plan.team.reps
    link = f"?plan={quote('set:' + NAME)}"

    # Two users open revision 1 of the same set, each on their own server.
    one = new_context().new_page()
    two = new_context().new_page()
    for page, app in ((one, first), (two, second)):
        open_app(page, app.url + link)
        expect(page.get_by_text(t("app.revision", "ja", revision=1))).to_be_visible()

    # Server 1 saves first: revision 2. (The author after the team size: see the test of
    # saving in test_kpi_sets_browser.)
    _set_reps(one, reps + 1)
    _fill(one, "author", "一号")
    _save(one, "サーバー1から")
    expect(one.get_by_text(t("save.saved", "ja", name=NAME, revision=2))).to_be_visible()

    # Server 2 saves its own edit of revision 1: refused, naming who saved what since.
    _set_reps(two, reps + 2)
    _fill(two, "author", "二号")
    _save(two, "サーバー2から")
    conflict = t("save.conflict", "ja", name=NAME, base=1, head=2, authors="一号")
    expect(two.get_by_text(conflict)).to_be_visible()
    head = store.revision(NAME)
    assert (head.number, head.author, head.comment) == (2, "一号", "サーバー1から")
    assert head.plan.team.reps == reps + 1
    assert store.revision_numbers(NAME) == [2, 1]

    # The refused edit is kept in server 2's session: saved as a copy, nothing is lost.
    two.get_by_role("button", name=t("save.copy", "ja"), exact=True).click()
    copy_name = NAME + t("save.copy_suffix", "ja")
    expect(two.get_by_text(t("save.saved", "ja", name=copy_name, revision=1))).to_be_visible()
    copy = store.revision(copy_name)
    assert (copy.author, copy.comment, copy.plan.team.reps) == ("二号", "サーバー2から", reps + 2)
    # Server 1's save is still the set's head, and server 1's session still shows it.
    assert store.revision(NAME).number == 2
    expect(one.get_by_text(t("app.revision", "ja", revision=2))).to_be_visible()

    for page in (one, two):
        no_exception(page)
    # Each session stayed on the server that opened it.
    assert one.url.startswith(first.url) and two.url.startswith(second.url)
    store.close()


def test_the_load_balancer_config_is_sticky_and_passes_websockets(tmp_path) -> None:
    from deploy import cluster

    ports = [18501, 18502, 18503]
    config = cluster.render(
        cluster.TEMPLATE.read_text(), app_ports=ports, port=18080, prefix=tmp_path
    )
    upstream = config.split("upstream centerpin_app {", 1)[1].split("}", 1)[0]
    assert [
        line.split()[1] for line in upstream.splitlines() if line.strip().startswith("server ")
    ] == [f"127.0.0.1:{p}" for p in ports]
    # Sticky by the route cookie (first request: a random id, which the cookie then keeps).
    assert "hash $centerpin_route consistent;" in upstream
    assert "default $cookie_centerpin_route;" in config and '""      $request_id;' in config
    assert 'add_header Set-Cookie "centerpin_route=$centerpin_route;' in config
    # Streamlit's websocket is passed on, and left open while the tab is.
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
    assert "proxy_read_timeout 1h;" in config
    assert "listen 127.0.0.1:18080;" in config
    assert "@@" not in config and str(tmp_path) + "/access.log" in config
    with pytest.raises(cluster.ClusterError, match="PostgreSQL"):
        cluster.start("sqlite:///centerpin.db")
