"""The load test's options (``make load`` itself is never part of ``make test``)."""

from __future__ import annotations

import pytest

from benchmarks import load


def test_two_servers_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(load.SERVERS_ENV, raising=False)
    assert load._servers() == 2
    monkeypatch.setenv(load.SERVERS_ENV, " 6 ")
    assert load._servers() == 6


@pytest.mark.parametrize("text", ["0", "17", "-1", "2.5", "six", "１"])
def test_a_bad_server_count_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv(load.SERVERS_ENV, text)
    with pytest.raises(ValueError, match=load.SERVERS_ENV):
        load._servers()
