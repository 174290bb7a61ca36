"""The KPI glossary and the labels built from it; a plan's own channel and stage labels."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from simulator import compare, engine, glossary
from simulator.levers import levers
from simulator.plan import KpiSet, PlanError, json_schema, load_plan, parse_plan
from tests.conftest import SAMPLES, plan_dict

# --------------------------------------------------------------------------- plan labels


def labelled_dict() -> dict[str, Any]:
    """The small test plan with a webinar channel and labels on a channel and a stage."""
    data = plan_dict()
    data["channels"][0]["stages"][0]["label"] = {"ja": "決裁者接続", "en": "Decision-maker reached"}
    data["channels"].append(
        {
            "key": "webinar",
            "label": {"ja": "ウェビナー参加"},
            "volume_per_month": 40,
            "stages": [{"key": "demo_request", "rate": 0.2}, {"key": "opportunity", "rate": 0.5}],
        }
    )
    return data


def test_labels_round_trip() -> None:
    plan = parse_plan(labelled_dict())
    text = plan.to_json()
    again = parse_plan(text)
    assert again == plan and again.to_json() == text
    dumped = json.loads(text)
    assert dumped["channels"][0]["stages"][0]["label"] == {
        "ja": "決裁者接続",
        "en": "Decision-maker reached",
    }
    assert dumped["channels"][1]["label"] == {"ja": "ウェビナー参加"}  # no "en": null
    assert "label" not in dumped["channels"][1]["stages"][0]


def test_plans_without_labels_dump_as_before(sample_plan: KpiSet) -> None:
    assert '"label"' not in sample_plan.to_json()


def test_unlabelled_channels_and_stages_dump_their_fields_as_before(sample_plan: KpiSet) -> None:
    for channel in sample_plan.model_dump(mode="json")["channels"]:
        assert list(channel) == ["key", "volume_from", "volume_per_month", "stages"]
        assert all(list(stage) == ["key", "rate"] for stage in channel["stages"])


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ({"ja": ""}, "string_too_short"),
        ({"en": "x" * 41}, "string_too_long"),
        ({"ja": " 先頭に空白"}, "string_pattern_mismatch"),
        ({"ja": "末尾に空白 "}, "string_pattern_mismatch"),
        ({"ja": "二行\nにわたる"}, "string_pattern_mismatch"),
        ({"en": "tab\there"}, "string_pattern_mismatch"),
        ({"en": "abc\u202edcba"}, "string_pattern_mismatch"),  # a bidi override
        ({"en": "zero\u200bwidth"}, "string_pattern_mismatch"),
        ({"ja": 3}, "string_type"),
        ({"fr": "Appels"}, "extra_forbidden"),
        ("架電", "model_type"),
    ],
)
def test_bad_labels_are_refused(label: Any, code: str) -> None:
    data = plan_dict()
    data["channels"][0]["label"] = label
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    assert [i.code for i in caught.value.issues] == [code]
    assert caught.value.issues[0].path.startswith("channels[0].label")


def test_good_labels_are_accepted() -> None:
    data = plan_dict()
    data["channels"][0]["label"] = {"ja": "テレアポ（新規・既存）", "en": "Cold calls"}
    data["channels"][0]["stages"][1]["label"] = {"en": "x" * 40}
    plan = parse_plan(data)
    assert plan.channels[0].label is not None and plan.channels[0].label.ja is not None
    assert plan.channels[0].stages[0].label is None


def test_schema_accepts_and_refuses_labels_as_parse_plan_does() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    assert validator.is_valid(labelled_dict())
    for bad in ({"ja": ""}, {"ja": " x"}, {"en": "a\u202eb"}, {"fr": "x"}, {"ja": "x" * 41}):
        data = plan_dict()
        data["channels"][0]["label"] = bad
        assert not validator.is_valid(data), bad


def test_schema_has_the_label_on_channels_and_stages() -> None:
    defs = json_schema()["$defs"]
    for model in ("Channel", "Stage"):
        assert "label" in defs[model]["properties"], model
        assert "label" not in defs[model].get("required", [])
    assert set(defs["Label"]["properties"]) == {"ja", "en"}


# --------------------------------------------------------------------------- the glossary

ROOT = Path(__file__).resolve().parent.parent
CITED = (ROOT / "sample_data" / "README.md").read_text("utf-8") + (
    ROOT / "docs" / "design.md"
).read_text("utf-8")
SAMPLE_PLANS = {p.stem: load_plan(p) for p in SAMPLES}
LANGUAGES = ("ja", "en")


def test_every_entry_has_both_languages_a_definition_and_a_source() -> None:
    assert len(glossary.entries()) >= 30
    for entry in glossary.entries():
        texts = [entry.name, entry.label, entry.definition, entry.formula, entry.unit]
        texts += [t for t in (entry.rate, entry.step, entry.channel) if t is not None]
        for text in texts:
            for lang in LANGUAGES:
                assert text[lang].strip(), (entry.key, lang)
        assert entry.typical or entry.assumption, entry.key
        for figure in entry.typical:
            assert figure.source.strip() and figure.scope["ja"] and figure.scope["en"]
        if entry.assumption is not None:
            assert entry.assumption["ja"] and entry.assumption["en"]
        if entry.kind == "stage":
            assert entry.rate is not None and entry.step is not None, entry.key


def test_japanese_texts_are_japanese_and_english_texts_english() -> None:
    def has_kana_or_kanji(text: str) -> bool:
        return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)

    for entry in glossary.entries():
        assert has_kana_or_kanji(entry.definition["ja"]), entry.key
        assert not has_kana_or_kanji(entry.definition["en"].replace("年末年始休業", "")), entry.key
        assert has_kana_or_kanji(entry.name["ja"]) or entry.key == "linkedin", entry.key


def _source_names(source: str) -> list[str]:
    if source.startswith("docs/design.md §7 ("):
        return []  # a figure the design notes quote without naming who published it
    return [p for p in re.split(r";\s*|,\s*| via |\s*\(|\)", source) if p.strip()]


def test_every_source_is_one_the_project_cites() -> None:
    # No source is invented: every publisher named is cited in sample_data/README.md or
    # docs/design.md §7, where the figures were collected.
    sources = {figure.source for entry in glossary.entries() for figure in entry.typical}
    for source in sources:
        for name in _source_names(source):
            assert name in CITED, (source, name)
    named = {n for s in sources for n in _source_names(s)}
    assert {"decisense", "wsf-is.com", "Gong Labs", "30mpc", "Bridge Group", "salesgrid"} <= named


def test_typical_ranges_are_ordered_and_rates_are_fractions() -> None:
    for entry in glossary.entries():
        for figure in entry.typical:
            assert figure.low <= figure.high, entry.key
            if entry.rate is not None and figure.unit is None:
                assert 0 < figure.low <= figure.high < 1, entry.key


def test_published_figures_match_the_design_notes() -> None:
    opportunity = glossary.entry("opportunity")
    by_channel = {f.channel: (f.low, f.high) for f in opportunity.typical}
    assert by_channel == {None: (0.20, 0.30), "inbound": (0.35, 0.40), "calls": (0.10, 0.15)}
    assert (28, 50) in [(f.low, f.high) for f in glossary.entry("calls_per_rep_per_day").typical]
    assert (0.15, 0.20) in [(f.low, f.high) for f in glossary.entry("connect").typical]
    assert (3, 6) in [(f.low, f.high) for f in glossary.entry("ramp").typical]


def test_entry_resolves_keys_aliases_and_input_paths() -> None:
    assert glossary.entry("win_rate") is glossary.entry("win")
    assert glossary.entry("team.reps").key == "reps"
    assert glossary.entry("carry_over_wins").key == "carry_over"
    assert glossary.entry("sales_cycle_months").name["ja"] == "商談期間（リードタイム）"
    assert glossary.entry("connect").rate == glossary.Text("接触率", "Connect rate")
    with pytest.raises(KeyError):
        glossary.entry("webinar")


def test_the_glossary_is_read_once() -> None:
    assert glossary.glossary() is glossary.glossary()


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        glossary.lever_label("win_rate", "fr")


def test_the_glossary_does_not_need_streamlit() -> None:
    code = "import sys, simulator.glossary; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --------------------------------------------------------------------------- broken files

GOOD = (ROOT / "locales" / "glossary.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name = { ja = "架電数", en = "Calls" }', 'name = { ja = "架電数" }', "ja and en"),
        ('aliases = ["call", "dials"]', 'aliases = ["call", "emails"]', "also names"),
        ('source = "salesgrid"', 'source = ""', "name the source"),
        ("low = 0.15\nhigh = 0.20", "low = 0.20\nhigh = 0.15", "low must not exceed"),
        ('kind = "stage"', 'kind = "step"', "must be one of"),
        ("{rate}（{from}→{to}）", "{rate}（{to}）", "format.rate.ja"),
        ('en = "{name} count"', 'en = "{nmae} count"', "format.count.en"),
    ],
)
def test_a_broken_glossary_names_its_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = tmp_path / "glossary.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(glossary.GlossaryError, match=re.escape(message)):
        glossary.load(path)


def test_an_entry_without_figures_must_say_why(tmp_path: Path) -> None:
    block = GOOD[GOOD.index("[entries.email]") : GOOD.index("[entries.inbound]")]
    reason = block[block.index("assumption.ja") :]
    path = tmp_path / "glossary.toml"
    path.write_text(GOOD.replace(block, block.replace(reason, "\n")), encoding="utf-8")
    with pytest.raises(glossary.GlossaryError, match=r"entries\.email: give a typical range"):
        glossary.load(path)


# --------------------------------------------------------------------------- sample plans


@pytest.mark.parametrize("name", sorted(SAMPLE_PLANS))
def test_every_channel_and_stage_key_of_the_samples_is_in_the_glossary(name: str) -> None:
    for channel in SAMPLE_PLANS[name].channels:
        assert glossary.entry(channel.key).kind == "channel", channel.key
        for stage in channel.stages:
            assert glossary.entry(stage.key).kind == "stage", stage.key


def _plain(label: str, plan: KpiSet, lang: str) -> None:
    """A label a manager reads: no dotted path, no key, no underscore."""
    assert label and "." not in label and "_" not in label, label
    if lang == "ja":  # English terms may spell like keys ("connect"), Japanese never do
        keys = {c.key for c in plan.channels} | {s.key for c in plan.channels for s in c.stages}
        assert not any(key in label for key in keys), label


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLE_PLANS))
def test_every_lever_of_the_samples_reads_as_a_term(name: str, lang: str) -> None:
    plan = SAMPLE_PLANS[name]
    labels = [glossary.lever_label(lever.path, lang, plan) for lever in levers(plan)]
    for label in labels:
        _plain(label, plan, lang)
    assert len(set(labels)) == len(labels), labels  # a tornado chart tells them apart


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLE_PLANS))
def test_every_flattened_input_of_the_samples_reads_as_a_term(name: str, lang: str) -> None:
    plan = SAMPLE_PLANS[name]
    paths = list(compare.flatten(plan, identity=True))
    labels = [glossary.input_label(path, lang, plan) for path in paths]
    for label in labels:
        _plain(label, plan, lang)
    assert len(set(labels)) == len(labels)  # one row of a diff table per input
    # Without the plan (a diff of plans that no longer exist) still no dotted path.
    for path in paths:
        assert "." not in glossary.input_label(path, lang), path


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLE_PLANS))
def test_every_monthly_metric_of_the_samples_reads_as_a_term(name: str, lang: str) -> None:
    plan = SAMPLE_PLANS[name]
    result = engine.simulate(plan, trials=200)
    metrics = [*result.kpi_series(result.detail_head(200)), "cumulative_revenue"]
    metrics += ["carry_over_wins"]
    labels = [glossary.metric_label(metric, lang, plan) for metric in metrics]
    for label in labels:
        _plain(label, plan, lang)
    assert len(set(labels)) == len(labels), labels


JP_LEVERS = {
    "team.reps": ("担当者数（期首）", "Reps at start"),
    "team.calls_per_rep_per_day": ("1人1日あたり架電数", "Calls per rep per day"),
    "channels.calls.stages.connect.rate": ("接触率（架電→接触）", "Connect rate (call → connect)"),
    "channels.calls.stages.opportunity.rate": (
        "商談化率（接触→商談）",
        "Opportunity rate (connect → opportunity)",
    ),
    "channels.inbound.volume_per_month": (
        "インバウンドリード数（月間）",
        "Inbound leads per month",
    ),
    "channels.inbound.stages.opportunity.rate": (
        "商談化率（リード→商談）",
        "Opportunity rate (lead → opportunity)",
    ),
    "channels.email.volume_per_month": ("メール送信数（月間）", "Emails sent per month"),
    "channels.email.stages.open.rate": ("開封率（メール→開封）", "Open rate (email → open)"),
    "channels.email.stages.reply.rate": ("返信率（開封→返信）", "Reply rate (open → reply)"),
    "channels.email.stages.opportunity.rate": (
        "商談化率（返信→商談）",
        "Opportunity rate (reply → opportunity)",
    ),
    "win_rate": ("受注率", "Win rate"),
    "deal_size": ("受注単価", "Deal size"),
    "sales_cycle_months": ("商談期間（リードタイム）", "Sales cycle"),
}


@pytest.mark.parametrize("path", sorted(JP_LEVERS))
def test_smb_plan_levers_read_as_a_manager_says_them(path: str) -> None:
    plan = SAMPLE_PLANS["jp_smb_saas"]
    assert [glossary.lever_label(path, lang, plan) for lang in LANGUAGES] == list(JP_LEVERS[path])


def test_the_same_step_in_several_channels_names_its_channel() -> None:
    # us_sdr: meeting → opportunity in calls, email and linkedin would read alike.
    plan = SAMPLE_PLANS["us_sdr"]
    label = partial(glossary.lever_label, plan=plan)
    assert label("channels.calls.stages.connect.rate", "ja") == "接触率（架電→接触）"
    assert label("channels.calls.stages.meeting.rate", "ja") == "アポ獲得率（接触→アポ）"
    assert label("channels.calls.stages.opportunity.rate", "ja") == "商談化率（架電：アポ→商談）"
    assert label("channels.email.stages.opportunity.rate", "en") == (
        "Opportunity rate (email: meeting → opportunity)"
    )
    assert label("channels.linkedin.stages.reply.rate", "en") == (
        "Reply rate (LinkedIn message → reply)"
    )
    assert (
        label("channels.inbound.stages.qualified.rate", "ja") == "有効リード率（リード→有効リード）"
    )
    assert label("channels.inbound.stages.opportunity.rate", "ja") == "商談化率（有効リード→商談）"


def test_input_labels_of_values_and_shared_inputs() -> None:
    plan = SAMPLE_PLANS["jp_smb_saas"]
    ja = partial(glossary.input_label, lang="ja", plan=plan)
    assert ja("channels.calls.stages.connect.rate.low") == "接触率（架電→接触）P10"
    assert ja("channels.calls.stages.connect.rate.high") == "接触率（架電→接触）P90"
    assert (
        ja("channels.inbound.stages.opportunity.rate.successes") == "商談化率（リード→商談）成功数"
    )
    assert ja("win_rate.successes") == "受注率 成功数"
    assert ja("team.calls_per_rep_per_day.low") == "1人1日あたり架電数 P10"
    assert ja("team.hires") == "採用・退職"
    assert ja("target.revenue") == "目標受注金額"
    assert ja("simulation.trials") == "試行回数"
    assert ja("seasonality") == "季節係数"
    assert ja("start_month") == "開始月"
    assert ja("channels.calls.volume_from") == "架電数の算出元"
    en = partial(glossary.input_label, lang="en", plan=plan)
    assert en("win_rate.trials") == "Win rate, trials"
    assert en("deal_size.low") == "Deal size P10"
    assert en("target.confidence") == "Target confidence"


def test_metric_labels() -> None:
    plan = SAMPLE_PLANS["jp_smb_saas"]
    expected = {
        "calls.volume": ("架電数", "Calls"),
        "calls": ("架電数", "Calls"),  # the actuals file names a channel's volume by its key
        "calls.connect": ("接触数（架電）", "Connects (calls)"),
        "inbound.opportunity": ("商談数（インバウンド）", "Opportunities (inbound)"),
        "email.reply": ("返信数（メール）", "Replies (email)"),
        "opportunities": ("商談数（全チャネル）", "Opportunities (all channels)"),
        "wins": ("受注数", "Wins"),
        "revenue": ("受注金額", "Revenue"),
        "carry_over_wins": ("翌期繰越受注", "Carry-over wins"),
    }
    for metric, names in expected.items():
        assert tuple(glossary.metric_label(metric, lang, plan) for lang in LANGUAGES) == names


# --------------------------------------------------------------------------- own and unknown keys


def test_a_plans_own_label_wins() -> None:
    plan = parse_plan(labelled_dict())
    lever, metric = glossary.lever_label, glossary.metric_label
    assert lever("channels.calls.stages.connect.rate", "ja", plan) == "転換率（架電→決裁者接続）"
    assert (
        lever("channels.calls.stages.opportunity.rate", "ja", plan) == "商談化率（決裁者接続→商談）"
    )
    assert lever("channels.calls.stages.connect.rate", "en", plan) == (
        "Conversion rate (call → Decision-maker reached)"
    )
    assert metric("calls.connect", "ja", plan) == "決裁者接続件数（架電）"
    assert lever("channels.webinar.volume_per_month", "ja", plan) == "ウェビナー参加件数（月間）"
    assert metric("webinar.volume", "ja", plan) == "ウェビナー参加件数"
    assert lever("channels.webinar.stages.demo_request.rate", "ja", plan) == (
        "転換率（ウェビナー参加→demo request）"
    )
    # No English label: the key, as words.
    assert lever("channels.webinar.volume_per_month", "en", plan) == "Webinar count per month"
    assert metric("webinar.demo_request", "en", plan) == "Demo request count (webinar)"


def test_an_unknown_key_reads_as_words() -> None:
    plan = parse_plan(labelled_dict())
    assert glossary.metric_label("webinar.volume", "ja") == "webinar 件数"
    assert glossary.lever_label("channels.webinar.stages.opportunity.rate", "ja", plan) == (
        "商談化率（demo request→商談）"
    )
    assert glossary.metric_label("webinar.demo_request", "ja", plan) == (
        "demo request 件数（ウェビナー参加）"
    )
    assert glossary.humanise("partner_referral_leads") == "partner referral leads"
    assert glossary.input_label("something.new_field", "ja") == "something › new field"
    assert glossary.input_label("something.new_field", "en") == "Something › new field"
    assert glossary.entry_for("channels.webinar.volume_per_month", plan) is None


def test_a_team_channel_under_another_key_is_calls() -> None:
    data = plan_dict()
    data["channels"][0]["key"] = "outbound"
    plan = parse_plan(data)
    assert glossary.metric_label("outbound.volume", "ja", plan) == "架電数"
    assert glossary.lever_label("channels.outbound.stages.connect.rate", "ja", plan) == (
        "接触率（架電→接触）"
    )
    assert glossary.entry_for("channels.outbound.volume_from", plan) is glossary.entry("calls")


def test_labelled_plan_inputs_read_as_terms() -> None:
    plan = parse_plan(labelled_dict())
    flat = compare.flatten(plan)
    assert flat["channels.webinar.label.ja"] == "ウェビナー参加"
    for lang in LANGUAGES:
        labels = [glossary.input_label(path, lang, plan) for path in flat]
        assert all("." not in label for label in labels)
        assert len(set(labels)) == len(labels)
    assert glossary.input_label("channels.webinar.label.ja", "ja", plan) == (
        "webinarの表示名（日本語）"
    )
    assert glossary.input_label("channels.calls.stages.connect.label.en", "en", plan) == (
        "Connect (calls) display name (English)"
    )


def test_without_the_plan_a_rate_names_its_channel() -> None:
    assert (
        glossary.lever_label("channels.calls.stages.opportunity.rate", "ja") == "商談化率（架電）"
    )
    assert glossary.lever_label("channels.inbound.stages.opportunity.rate", "en") == (
        "Opportunity rate (inbound)"
    )


# --------------------------------------------------------------------------- help texts


def test_describe_explains_a_rate_from_its_own_step_before() -> None:
    plan = SAMPLE_PLANS["jp_smb_saas"]
    calls = glossary.describe("channels.calls.stages.opportunity.rate", "ja", plan)
    assert calls.label == "商談化率（接触→商談）"
    assert calls.formula == "商談化率（接触→商談） = 商談数 ÷ 接触数"
    assert calls.unit == "%"
    assert {(f.low, f.high) for f in calls.typical} == {(0.20, 0.30), (0.10, 0.15)}
    inbound = glossary.describe("channels.inbound.stages.opportunity.rate", "en", plan)
    assert (
        inbound.formula == "Opportunity rate (lead → opportunity) = Opportunities ÷ Inbound leads"
    )
    assert {(f.low, f.high) for f in inbound.typical} == {(0.20, 0.30), (0.35, 0.40)}
    assert "decisense" in {f.source for f in inbound.typical}


def test_describe_shared_inputs_and_units() -> None:
    us = SAMPLE_PLANS["us_sdr"]
    deal = glossary.describe("deal_size", "ja", us)
    assert (deal.label, deal.unit) == ("受注単価", "ドル")
    assert deal.assumption and not deal.typical
    assert glossary.unit("deal_size.low", "en", SAMPLE_PLANS["jp_smb_saas"]) == "JPY"
    assert glossary.unit("win_rate.low", "ja") == "%"
    assert glossary.unit("team.reps", "ja") == "人"
    assert glossary.unit("sales_cycle_months", "en") == "months"
    reps = glossary.describe("team.calls_per_rep_per_day", "ja", us)
    assert (28, 50) in {(f.low, f.high) for f in reps.typical}
