"""The one number format (ui/format.py): money, counts, percentages, links, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui import format

EXPONENT = re.compile(r"\d[eE][+-]?\d")

# Every finite float from tiny to huge, of either sign (and the integers among them).
FLOATS = st.floats(min_value=-1e18, max_value=1e18, allow_nan=False, allow_infinity=False)
WIDE = st.one_of(
    FLOATS,
    st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False),
    st.integers(min_value=-(10**15), max_value=10**15).map(float),
)

# ----------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("value", "currency", "lang", "text"),
    [
        (250_000_000, "JPY", "ja", "250,000,000円"),
        (600_000, "JPY", "ja", "600,000円"),
        (250_000_000, "JPY", "en", "¥250,000,000"),
        (1_500_000, "USD", "en", "$1,500,000"),
        (1_500_000.5, "USD", "en", "$1,500,000.50"),
        (12, "CHF", "en", "12 CHF"),
        (-48_000, "JPY", "ja", "-48,000円"),
        (float("nan"), "JPY", "ja", "—"),
    ],
)
def test_money_full(value: float, currency: str, lang: str, text: str) -> None:
    assert format.money_full(value, currency, lang) == text


def test_money_inputs_are_in_man_yen_for_yen_in_japanese_only() -> None:
    unit = format.money_unit("JPY", "ja")
    assert (unit.factor, unit.unit) == (10_000.0, "万円")
    assert unit.shown(250_000_000) == 25_000
    assert unit.amount(60.5) == 605_000  # no float noise on the way back
    assert unit.amount(unit.shown(1_234_567)) == 1_234_567
    for currency, lang in (("JPY", "en"), ("USD", "ja"), ("USD", "en")):
        plain = format.money_unit(currency, lang)
        assert (plain.factor, plain.unit) == (1.0, currency)


@pytest.mark.parametrize(
    ("value", "currency", "lang", "text"),
    [
        (150_000_000, "JPY", "ja", "1.5億円"),
        (300_000_000, "JPY", "ja", "3億円"),
        (50_000_000, "JPY", "ja", "5,000万円"),
        (0, "JPY", "ja", "0円"),
        (2e12, "JPY", "ja", "2兆円"),
        (250_000_000, "JPY", "en", "¥250M"),
        (2_250, "USD", "en", "$2.25k"),
        (1_500_000, "USD", "en", "$1.5M"),
    ],
)
def test_money_ticks_are_short_and_round(value: float, currency: str, lang: str, text: str) -> None:
    assert format.money_tick(value, currency, lang) == text


def test_trim_zeros_only_drops_decimals_that_add_nothing() -> None:
    assert format.trim_zeros("1.50億円") == "1.5億円"
    assert format.trim_zeros("3.00億円") == "3億円"
    assert format.trim_zeros("5,000万円") == "5,000万円"  # a separator is not a decimal point
    assert format.trim_zeros("$10.05M") == "$10.05M"
    assert format.trim_zeros("100") == "100"


# ----------------------------------------------------------------------------- shares


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.455, "45.5%"), (0.10, "10.0%"), (0.0863, "8.6%"), (1.0, "100.0%"), (0.0, "0.0%")],
)
def test_percent_has_one_decimal(value: float, text: str) -> None:
    assert format.percent(value) == text


def test_a_tiny_share_is_not_shown_as_zero() -> None:
    assert format.percent(0.0004) == "<0.1%"
    assert format.percent(0.0005) == "0.1%"


def test_settings_and_inputs_read_as_entered() -> None:
    assert format.setting_percent(0.8) == "80%"  # chosen in whole percents
    assert format.setting_percent(0.805) == "80.5%"
    assert format.input_percent(0.08) == "8.0%"  # a plan's own rate, exactly
    assert format.input_percent(0.0345) == "3.45%"
    assert format.input_percent(0.125) == "12.5%"
    assert format.signed_percent(0.105) == "+10.5%"
    assert format.points(-0.0123) == "-1.2 pt"


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=1))
def test_every_computed_share_has_exactly_one_decimal(value: float) -> None:
    text = format.percent(value)
    assert text == "<0.1%" or re.fullmatch(r"\d{1,3}\.\d%", text), text


# ----------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6.0, "6"),  # people and whole counts: never 6.0
        (6.54, "6.5"),  # an expected count below 10 keeps one decimal
        (9.96, "10"),  # rounds to 10: whole
        (10.4, "10"),  # from 10 up, whole
        (4999.4, "4,999"),
        (1_234_567.0, "1,234,567"),
        (-0.04, "0.0"),
        (float("inf"), "—"),
    ],
)
def test_count(value: float, text: str) -> None:
    assert format.count(value) == text


def test_count_value_rounds_as_count_shows() -> None:
    assert format.count_value(4999.4) == 4999.0
    assert format.count_value(6.54) == 6.5
    assert format.whole(6.0) == "6"


def test_number_is_positional_with_separators() -> None:
    assert format.number(250_000_000.0) == "250,000,000"
    assert format.number(1234.5) == "1,234.5"
    assert format.number(-0.125) == "-0.125"
    assert format.number(1e-7, max_digits=8) == "0.0000001"


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_850_000.0, "1850000"),
        (250_000_000.0, "250000000"),
        (0.125, "0.125"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-3.5, "-3.5"),
        (0.0, "0"),
    ],
)
def test_url_number(value: float, text: str) -> None:
    assert format.url_number(value) == text
    assert format.parse_url_number(text) == value


def test_parse_url_number_reads_old_links_and_refuses_the_rest() -> None:
    assert format.parse_url_number("1.85e+06") == 1_850_000  # links written before
    for bad in ("", "abc", "1,000", "nan", "inf", "1e400", "0x10", "1e"):
        with pytest.raises(ValueError):
            format.parse_url_number(bad)
    with pytest.raises(ValueError):
        format.url_number(float("nan"))


@settings(max_examples=500, deadline=None)
@given(WIDE)
def test_no_formatted_number_has_an_exponent(value: float) -> None:
    texts = [
        format.url_number(value),
        format.number(value),
        format.count(value),
        format.whole(value),
        format.input_value(value),
        format.money_full(value, "JPY", "ja"),
        format.money_full(value, "USD", "en"),
        format.money(value, "JPY", "ja"),
        format.money(value, "USD", "en"),
        format.money_tick(value, "JPY", "ja"),
    ]
    if abs(value) <= 1e6:  # shares: probabilities and rates of any size a page could hold
        texts += [format.percent(value), format.input_percent(value), format.points(value)]
    for text in texts:
        assert not EXPONENT.search(text), (value, text)
        assert "e+" not in text and "e-" not in text, (value, text)


@settings(max_examples=500, deadline=None)
@given(WIDE)
def test_url_numbers_read_back_exactly(value: float) -> None:
    text = format.url_number(value)
    assert re.fullmatch(r"-?\d+(\.\d+)?", text), text
    back = format.parse_url_number(text)
    assert back == value


# ----------------------------------------------------------------------------- times


def test_timestamps_are_in_the_users_zone_and_name_it() -> None:
    moment = datetime(2027, 4, 1, 1, 0, tzinfo=UTC)
    assert format.timestamp(moment) == "2027-04-01 10:00 JST"  # Japan by default
    assert format.timestamp(moment, "Asia/Tokyo") == "2027-04-01 10:00 JST"
    assert format.timestamp(moment, "America/New_York") == "2027-03-31 21:00 EDT"
    assert format.timestamp(moment, "Nowhere/Unknown") == "2027-04-01 10:00 JST"
    assert format.timestamp(datetime(2027, 4, 1, 1, 0)) == "2027-04-01 10:00 JST"  # naive: UTC
    # A zone without a name of its own is named by where it is.
    assert format.timestamp(moment, "Asia/Dubai") == "2027-04-01 05:00 Asia/Dubai"
