"""The workshop in a real browser: the scenario board on a 1920×1080 projector in both
languages (headline numbers ≥ 48 px, everything on one screen, a way out of the
presentation layout), and a room with a facilitator at 1920×1080 and three phones at
390 px: they join, guess, the shared screen counts three guesses by itself, then reveals
the answer; a room past its closing time refuses a guess with a message.

Screenshots go to ``test-artifacts/workshop/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from simulator import kpi_sets as kpi_store
from simulator import levers
from simulator.kpi_sets import rooms
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_whatif_browser import key_class, no_exception
from ui import presentation, room_page, workshop_page
from ui.i18n import t
from ui.plans import sample
from ui.tables import lever_label

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "workshop"
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
BOARD_QUERY = "wsA=win3&wsB=hire2&wsC=calls10&wsD=cycle05&wnA=%E5%96%B6%E6%A5%AD%E5%BC%B7%E5%8C%96"


def idle(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / name)  # the screen as the room sees it: no scrolling


def bottom(page: Page, selector: str) -> float:
    box = page.locator(selector).last.bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_board_fits_a_projector_in_large_type(
    lang: str, new_context: Callable[..., BrowserContext], app_url: str
) -> None:
    page = new_context().new_page()
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{app_url}workshop?lang={lang}&plan=jp_smb_saas&{BOARD_QUERY}&present=1")
    expect(page.get_by_role("heading", name=t("workshop.title", lang))).to_be_visible()
    values = page.get_by_test_id("stMetricValue")
    expect(values).to_have_count(10)
    expect(page.locator(f"{key_class(workshop_page.CHART)} .js-plotly-plot")).to_be_visible()
    idle(page)
    page.evaluate("document.fonts.ready")
    sizes = values.evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize))"
    )
    assert min(sizes) >= 48, sizes
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stToolbar")).to_be_hidden()
    # The answer on one screen: every figure and the whole chart above the fold.
    assert bottom(page, '[data-testid="stMetricValue"]') <= PROJECTOR["height"]
    assert (
        bottom(page, f"{key_class(workshop_page.CHART)} .js-plotly-plot") <= (PROJECTOR["height"])
    )
    no_exception(page)
    shot(page, f"board_{lang}_1920x1080.png")

    # The way back is on the page itself, and the sidebar returns.
    leave = page.locator(key_class(presentation.EXIT)).get_by_role("button")
    expect(leave).to_have_text(re.compile(re.escape(t("present.exit", lang))))
    leave.click()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    idle(page)
    assert "present=" not in page.url
    shot(page, f"board_{lang}_1920x1080_normal.png")


def join(context: BrowserContext, link: str, index: int, lang: str, pin: str) -> Page:
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(link + f"&lang={lang}")
    expect(phone.get_by_role("heading", name=t("room.join_title", lang))).to_be_visible()
    idle(phone)
    phone.locator(key_class(room_page.NAME)).locator("input").fill(f"<i>参加者{index}</i>")
    phone.locator(key_class(room_page.PIN)).get_by_role("combobox").click()
    phone.get_by_role("option", name=pin, exact=True).click()
    thumb = phone.locator(key_class(room_page.GUESS)).get_by_role("slider")
    thumb.focus()
    for _ in range(index + 1):
        thumb.press("ArrowLeft")  # 45%, 40%, 35%
    phone.locator(key_class(room_page.PROPOSAL)).locator("textarea").fill(f"**案{index}**")
    phone.get_by_role("button", name=t("room.send", lang)).click()
    expect(phone.get_by_text(t("room.sent", lang))).to_be_visible()
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    no_exception(phone)
    return phone


def test_three_phones_guess_and_the_shared_screen_reveals_the_answer(
    new_context: Callable[..., BrowserContext], app_url: str
) -> None:
    lang = "ja"
    plan = sample("jp_smb_saas")
    screen = new_context().new_page()
    screen.set_viewport_size(PROJECTOR)
    screen.goto(f"{app_url}room?lang={lang}&plan=jp_smb_saas&present=1")
    screen.locator(key_class(room_page.OPEN)).get_by_role("button").click()
    count = screen.locator(key_class(room_page.GUESS_COUNT)).get_by_test_id("stMetricValue")
    expect(count).to_have_text("0 / 50")
    link = screen.get_by_test_id("stCode").first.inner_text().strip()
    assert re.fullmatch(rf"{re.escape(app_url)}room\?room=[{rooms.ALPHABET}]{{12}}", link), link
    expect(screen.get_by_role("img").first).to_be_visible()  # the QR code
    pins = [lever_label(p, plan, lang) for p in ("win_rate", "team.reps", "win_rate")]
    phones = [join(new_context(), link, i, lang, pin) for i, pin in enumerate(pins)]
    # The shared screen reads the guesses again by itself: no reload, no click.
    expect(count).to_have_text("3 / 50")
    # Names and proposals are table cells holding the text as typed (the grid draws them).
    cells = screen.locator('td[role="gridcell"]')
    expect(cells.filter(has_text=re.compile(r"^<i>参加者2</i>$"))).to_have_count(1)
    expect(cells.filter(has_text=re.compile(r"^\*\*案1\*\*$"))).to_have_count(1)
    shot(screen, "room_guesses_ja_1920x1080.png")
    shot(phones[0], "room_phone_ja_390.png")

    reveal = screen.locator(key_class(room_page.REVEAL)).get_by_role("button")
    expect(reveal).to_be_in_viewport(ratio=1.0)  # on the first screen, with the code and link
    reveal.click()
    answer = screen.locator(key_class(room_page.ANSWER))
    expect(answer).to_be_visible()
    expect(answer.get_by_test_id("stMetricLabel").first).to_have_text(t("room.answer_pin", lang))
    values = answer.get_by_test_id("stMetricValue").all_inner_texts()
    assert values[0] in {lever_label(lever.path, plan, lang) for lever in levers.levers(plan)}
    assert re.fullmatch(r"\d+\.\d%", values[1]) and values[3] == "40.0%"
    no_exception(screen)
    shot(screen, "room_reveal_ja_1920x1080.png")

    # A phone that sends again after the reveal is refused: the room has closed.
    phone = phones[0]
    phone.get_by_role("button", name=t("room.send", lang)).click()
    expect(phone.get_by_text(t("store_errors.room.closed", lang)).first).to_be_visible()

    # The facilitator leaves the room's screen: the page offers a new room again.
    screen.locator(key_class(room_page.LEAVE)).get_by_role("button").click()
    expect(screen.locator(key_class(room_page.OPEN)).get_by_role("button")).to_be_visible()
    expect(screen.locator(key_class(room_page.SCREEN))).to_have_count(0)


def test_a_room_past_its_closing_time_refuses_a_guess(
    new_context: Callable[..., BrowserContext], app_url: str, db_url: str
) -> None:
    store = kpi_store.Store(db_url)
    try:
        opened = datetime.now(UTC) - timedelta(hours=2)
        code = rooms.open_room(store, sample("jp_smb_saas"), minutes=30, now=opened).code
    finally:
        store.close()
    phone = new_context(locale="en-US").new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(f"{app_url}room?room={code}")
    expect(phone.get_by_text(t("store_errors.room.closed", "en"))).to_be_visible()
    expect(phone.get_by_role("button", name=t("room.send", "en"))).to_be_disabled()
    no_exception(phone)
    shot(phone, "room_closed_en_390.png")
