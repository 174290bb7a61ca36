"""Plotly figures, built as pure functions of small arrays (tested without a browser).

Every label comes in through ``labels`` (already translated), so this module knows
nothing of languages or Streamlit. Large fonts: the charts are read on shared screens.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import plotly.graph_objects as go

from ui.format import trim_zeros
from ui.summaries import Cdf, Headline, StageRow

TARGET_COLOR = "#c0392b"
BAND_COLOR = "rgba(31, 95, 168, 0.18)"
LINE_COLOR = "#1f5fa8"
FONT = {"size": 16, "color": "#262730"}  # Streamlit's text colour: dark on a projector
AXIS_FONT = {"size": 15, "color": "#262730"}


#: Plotly's toolbar with its one useful button: download the chart as a PNG (on hover).
CONFIG = {
    "displaylogo": False,
    "modeBarButtons": [["toImage"]],
    "toImageButtonOptions": {"scale": 2},
}


def money_ticks(high: float, money: Callable[[float], str], count: int = 5) -> dict:
    """Axis ticks from 0 to ``high`` at round amounts, labelled in the reader's money
    format (万円 / 億円, $k / $M): ``1.5億円``, never ``150M`` or ``20.833334319M``."""
    if not np.isfinite(high) or high <= 0:
        return {}
    raw = high / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    values = np.arange(0.0, high + step * 0.5, step)
    # Round ticks need no trailing zeros: "3億円", "1.5億円", not "3.00億円".
    text = [trim_zeros(money(v)) for v in values]
    return {"tickvals": values, "ticktext": text}


#: Every axis: numbers in full with separators, never 1e+06 or an SI suffix (20.8M).
PLAIN_AXIS = {"exponentformat": "none", "separatethousands": True}


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    """:func:`_spec_layout` applied to a figure built through plotly's objects (the
    template by name: validating its dictionary would take ten times as long)."""
    figure.update_layout(_spec_layout(title, x_title, y_title, template="plotly_white"))
    return figure


@cache
def _white() -> dict:
    """The ``plotly_white`` template as the dictionary a figure carries."""
    import plotly.io as pio

    return pio.templates["plotly_white"].to_plotly_json()


def _axis(title: str, **extra: object) -> dict:
    return {"title": {"text": title, "font": FONT}, "tickfont": AXIS_FONT, **PLAIN_AXIS, **extra}


def _spec_layout(title: str, x_title: str, y_title: str, **extra: object) -> dict:
    """Every chart's layout: title, axis titles, fonts, margins, legend and the
    ``plotly_white`` template; ``extra`` adds or replaces top-level entries."""
    return {
        "title": {"text": title},
        "xaxis": _axis(x_title),
        "yaxis": _axis(y_title),
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "height": 360,
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.2},
        "template": _white(),
        **extra,
    }


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from its specification, without plotly's validation of every property.

    The what-if page draws its charts on every slider move: validated construction took
    15–18 ms a chart, this well under 1 ms. Tests validate each such figure in full
    (``go.Figure(figure.to_dict())``), so a wrong property still fails there.
    """
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def revenue_histogram(
    view: Headline, labels: dict[str, str], money: Callable[[float], str]
) -> go.Figure:
    """Distribution of revenue over the horizon, with the target line and P(target)."""
    centers = 0.5 * (view.bin_edges[:-1] + view.bin_edges[1:])
    share = view.bin_counts / max(view.bin_counts.sum(), 1)
    reached = centers >= view.target
    width = float(np.diff(view.bin_edges).mean())
    data = [
        {
            "type": "bar",
            "x": centers[mask],
            "y": share[mask],
            "width": width,
            "name": name,
            "marker": {"color": color},
            "hovertext": [money(c) for c in centers[mask]],
            "hovertemplate": "%{hovertext}<br>%{y:.1%}<extra></extra>",
        }
        for mask, name, color in (
            (~reached, labels["below"], "#9fb8d6"),
            (reached, labels["above"], LINE_COLOR),
        )
    ]
    target = float(view.target)
    layout = _spec_layout(
        labels["title"],
        labels["x"],
        labels["y"],
        barmode="overlay",
        bargap=0,
        # The target as a vertical line across the plot, labelled on top.
        shapes=[
            {
                "type": "line",
                "x0": target,
                "x1": target,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": {"color": TARGET_COLOR, "width": 3, "dash": "dash"},
            }
        ],
        annotations=[
            {
                "text": labels["target_line"],
                "x": target,
                "xref": "x",
                "xanchor": "center",
                "y": 1,
                "yref": "y domain",
                "yanchor": "bottom",
                "showarrow": False,
            }
        ],
    )
    layout["xaxis"].update(money_ticks(float(view.bin_edges[-1]), money))
    layout["yaxis"]["tickformat"] = ".0%"
    return _figure(data, layout)


#: One colour per compared plan (up to four), told apart in grey print too.
COMPARE_COLORS = ("#1f5fa8", "#e67e22", "#27ae60", "#8e44ad")
COMPARE_DASHES = ("solid", "dash", "dot", "dashdot")


def revenue_cdfs(
    curves: Sequence[tuple[str, Cdf]], labels: dict[str, str], money: Callable[[float], str]
) -> go.Figure:
    """Overlaid distribution functions of revenue: P(revenue ≥ x) for each plan, with targets.

    Drawn as "probability of reaching at least x", so a curve further right and higher is
    the better plan, and each curve crosses its target line at P(target).
    """
    figure = go.Figure()
    high = 0.0
    for i, (name, curve) in enumerate(curves):
        figure.add_trace(
            go.Scatter(
                x=curve.revenue,
                y=1.0 - curve.probability,
                mode="lines",
                name=html.escape(name),  # Plotly reads tags in text; entities show as typed
                line={
                    "color": COMPARE_COLORS[i % len(COMPARE_COLORS)],
                    "width": 3,
                    "dash": COMPARE_DASHES[i % len(COMPARE_DASHES)],
                },
                hovertext=[money(x) for x in curve.revenue],
                hovertemplate="%{hovertext}<br>%{y:.1%}<extra>%{fullData.name}</extra>",
            )
        )
        high = max(high, float(curve.revenue[-1]), curve.target * 1.05)
    for target in sorted({curve.target for _, curve in curves}):
        figure.add_vline(
            x=target,
            line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
            annotation_text=labels["target_line"],
            annotation_position="top",
        )
    figure.update_yaxes(tickformat=".0%", range=[0, 1.02])
    figure.update_xaxes(**money_ticks(high, money))
    figure = _layout(figure, labels["title"], labels["x"], labels["y"])
    figure.update_layout(height=420)
    return figure


def cumulative_fan(
    view: Headline,
    month_labels: Sequence[str],
    labels: dict[str, str],
    money: Callable[[float], str] | None = None,
) -> go.Figure:
    """Revenue to date, P10–P90 band and P50, against the straight-line path to the target."""
    p10, p50, p90 = view.cumulative
    months = list(month_labels)
    path = view.target * np.arange(1, len(months) + 1) / len(months)
    shown = money or (lambda v: f"{v:,.0f}")

    def line(values: np.ndarray, name: str, **style: object) -> dict:
        return {
            "type": "scatter",
            "x": months,
            "y": values,
            "name": name,
            "hovertext": [shown(float(v)) for v in values],
            "hovertemplate": "%{x}: %{hovertext}<extra>%{fullData.name}</extra>",
            **style,
        }

    data = [
        {
            "type": "scatter",
            "x": months,
            "y": p90,
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        line(
            p10,
            labels["band"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND_COLOR,
        ),
        line(p50, labels["median"], mode="lines+markers", line={"color": LINE_COLOR, "width": 3}),
        line(
            path,
            labels["target_path"],
            mode="lines",
            line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
        ),
    ]
    layout = _spec_layout(labels["title"], "", labels["y"], legend={"orientation": "h", "y": -0.25})
    if money is not None:
        layout["yaxis"].update(money_ticks(max(float(p90.max()), view.target), money))
    # At most six month labels, written flat: a long horizon stays readable.
    layout["xaxis"].update(
        tickangle=0, tickmode="array", tickvals=months[:: -(-len(months) // 6)], automargin=True
    )
    return _figure(data, layout)


def funnel(
    stages: Sequence[StageRow], stage_labels: Sequence[str], labels: dict[str, str]
) -> go.Figure:
    """Every stage's total over the horizon: P50 bars with P10–P90 whiskers, log scale."""
    p50 = np.array([s.p50 for s in stages])
    data = [
        {
            "type": "bar",
            "x": p50,
            "y": list(stage_labels),
            "orientation": "h",
            "marker": {"color": LINE_COLOR},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": np.array([s.p90 for s in stages]) - p50,
                "arrayminus": p50 - np.array([s.p10 for s in stages]),
                "color": "#333",
            },
            "name": labels["median"],
            "hovertemplate": "%{y}: %{x:,.0f}<extra></extra>",
        }
    ]
    layout = _spec_layout(
        labels["title"],
        labels["x"],
        "",
        height=max(320, 36 * len(stages) + 120),
        showlegend=False,
    )
    layout["xaxis"].update(type="log", dtick=1, tickformat=",")
    layout["yaxis"]["autorange"] = "reversed"
    return _figure(data, layout)


def monthly_targets(
    months: Sequence[str],
    plain_opportunities: np.ndarray,
    revenue: np.ndarray,
    solved_opportunities: np.ndarray | None,
    labels: dict[str, str],
    money: Callable[[float], str] | None = None,
) -> go.Figure:
    """Opportunities to create each month (plain chain, and the solved plan at the
    confidence) against the revenue they must produce one sales cycle later; the revenue
    axis in the reader's money format."""
    counts = "%{x}: %{y:,.0f}<extra>%{fullData.name}</extra>"
    figure = go.Figure(
        go.Bar(
            x=list(months),
            y=plain_opportunities,
            name=labels["opportunities"],
            marker_color="#9fb8d6",
            hovertemplate=counts,
        )
    )
    if solved_opportunities is not None:
        figure.add_trace(
            go.Scatter(
                x=list(months),
                y=solved_opportunities,
                mode="lines+markers",
                name=labels["solved"],
                line={"color": LINE_COLOR, "width": 3},
                hovertemplate=counts,
            )
        )
    shown = money or (lambda v: f"{v:,.0f}")
    figure.add_trace(
        go.Scatter(
            x=list(months),
            y=revenue,
            name=labels["revenue"],
            yaxis="y2",
            mode="lines",
            line={"color": TARGET_COLOR, "dash": "dash", "width": 2},
            hovertext=[shown(float(v)) for v in revenue],
            hovertemplate="%{x}: %{hovertext}<extra>%{fullData.name}</extra>",
        )
    )
    figure = _layout(figure, labels["title"], labels["x"], labels["opportunities"])
    figure.update_xaxes(tickangle=0, tickvals=list(months)[:: -(-len(months) // 12)])
    top = float(np.nanmax(revenue)) if len(revenue) else 0.0
    ticks = money_ticks(top * 1.05, money) if money is not None else {}
    figure.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "title": labels["revenue"],
            "rangemode": "tozero",
            "tickfont": AXIS_FONT,
            "title_font": FONT,
            **PLAIN_AXIS,
            **ticks,
        }
    )
    figure.update_layout(yaxis={"rangemode": "tozero"})
    return figure


def tornado(
    names: Sequence[str], gains: Sequence[float], losses: Sequence[float], labels: dict[str, str]
) -> go.Figure:
    """Each lever's change in revenue for one step up and one step down (as % of revenue)."""
    names = list(names)
    figure = go.Figure(
        [
            go.Bar(
                y=names,
                x=list(losses),
                orientation="h",
                name=labels["down"],
                marker_color="#9fb8d6",
                hovertemplate="%{y}: %{x:+.1%}<extra></extra>",
            ),
            go.Bar(
                y=names,
                x=list(gains),
                orientation="h",
                name=labels["up"],
                marker_color=LINE_COLOR,
                hovertemplate="%{y}: %{x:+.1%}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(tickformat="+.0%", zeroline=True, zerolinewidth=2)
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(height=max(320, 32 * len(names) + 140))
    return figure


def required_values(
    names: Sequence[str], ratios: Sequence[float | None], labels: dict[str, str]
) -> go.Figure:
    """Required value ÷ today's value per lever (1 = the plan already reaches the target)."""
    shown = [(n, r) for n, r in zip(names, ratios, strict=True) if r is not None]
    figure = go.Figure(
        go.Bar(
            y=[n for n, _ in shown],
            x=[r for _, r in shown],
            orientation="h",
            marker_color=[TARGET_COLOR if r > 1 else LINE_COLOR for _, r in shown],
            text=[f"×{r:.2f}" for _, r in shown],
            textposition="outside",
            cliponaxis=False,  # the "×1.53" past the longest bar stays whole
            hovertemplate="%{y}: ×%{x:.2f}<extra></extra>",
        )
    )
    figure.add_vline(x=1.0, line={"color": "#333", "width": 2})
    figure.update_xaxes(type="log")
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(showlegend=False, height=max(320, 32 * len(shown) + 140), margin_r=70)
    return figure


def variance_shares(
    names: Sequence[str], shares: Sequence[float], noise: float, labels: dict[str, str]
) -> go.Figure:
    """Each uncertain input's first-order share of revenue variance, and chance's share."""
    figure = go.Figure(
        go.Bar(
            y=[*names, labels["noise"]],
            x=[*shares, noise],
            orientation="h",
            marker_color=[LINE_COLOR] * len(names) + ["#bbbbbb"],
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_xaxes(tickformat=".0%", range=[0, 1])
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(showlegend=False, height=max(300, 30 * (len(names) + 1) + 140))
    return figure


def gap_waterfall(
    names: Sequence[str],
    amounts: Sequence[float],
    labels: dict[str, str],
    money: Callable[[float], str],
) -> go.Figure:
    """The revenue gap to date, factor by factor, as a waterfall ending at the gap."""
    total = float(sum(amounts))
    figure = go.Figure(
        go.Waterfall(
            orientation="v",
            x=[*names, labels["total"]],
            y=[*amounts, total],
            measure=["relative"] * len(amounts) + ["total"],
            text=[money(a) for a in [*amounts, total]],
            textposition="outside",
            hovertext=[money(a) for a in [*amounts, total]],
            hovertemplate="%{x}: %{hovertext}<extra></extra>",
            increasing={"marker": {"color": LINE_COLOR}},
            decreasing={"marker": {"color": TARGET_COLOR}},
            totals={"marker": {"color": "#555555"}},
            connector={"line": {"color": "#999999", "width": 1}},
        )
    )
    figure.add_hline(y=0, line={"color": "#333", "width": 1})
    figure = _layout(figure, labels["title"], "", labels["y"])
    figure.update_xaxes(tickangle=-35, automargin=True)
    figure.update_layout(showlegend=False, height=460)
    return figure


def review_fan(
    month_labels: Sequence[str],
    plan_band: np.ndarray,
    actual: np.ndarray,
    forecast_band: np.ndarray,
    target: float,
    labels: dict[str, str],
    money: Callable[[float], str] | None = None,
) -> go.Figure:
    """Cumulative revenue: the plan's P10–P90 fan and P50, the actuals of the locked
    months, the re-forecast's fan from the last of them on, and the straight-line target."""
    months = list(month_labels)
    k = len(actual)
    first = max(k - 1, 0)
    figure = go.Figure()
    fans = (
        (months, plan_band, "plan", BAND_COLOR, {"color": LINE_COLOR, "width": 2, "dash": "dot"}),
        (
            months[first:],
            forecast_band[:, first:],
            "forecast",
            "rgba(230, 126, 34, 0.22)",
            {"color": "#e67e22", "width": 3},
        ),
    )
    for x, (low, median, high), name, fill, line in fans:
        # The band as one closed shape: along the P90 and back along the P10.
        figure.add_trace(
            go.Scatter(
                x=[*x, *x[::-1]],
                y=[*high, *low[::-1]],
                mode="lines",
                fill="toself",
                fillcolor=fill,
                line={"width": 0},
                hoverinfo="skip",
                name=labels[f"{name}_band"],
            )
        )
        figure.add_trace(
            go.Scatter(x=x, y=median, mode="lines", line=line, name=labels[f"{name}_median"])
        )
    figure.add_trace(
        go.Scatter(
            x=months[:k],
            y=actual,
            mode="lines+markers",
            name=labels["actual"],
            line={"color": "#222222", "width": 3},
            marker={"size": 9},
        )
    )
    path = target * np.arange(1, len(months) + 1) / len(months)
    figure.add_trace(
        go.Scatter(
            x=months,
            y=path,
            mode="lines",
            name=labels["target_path"],
            line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
        )
    )
    if money is not None:
        high = max(float(plan_band[2].max()), float(forecast_band[2].max()), target)
        figure.update_yaxes(**money_ticks(high, money))
    figure = _layout(figure, labels["title"], "", labels["y"])
    figure.update_xaxes(tickangle=0, tickmode="array", tickvals=months[::2], automargin=True)
    figure.update_layout(legend={"orientation": "h", "y": -0.25}, height=420)
    return figure


# ----------------------------------------------------------------------------- training (研修)


def lesson_funnel(
    names: Sequence[str], values: Sequence[float], labels: dict[str, str]
) -> go.Figure:
    """The calls chain's counts over the horizon, one bar a step, on a log scale."""
    figure = go.Figure(
        go.Bar(
            x=list(values),
            y=list(names),
            orientation="h",
            marker_color=LINE_COLOR,
            text=list(labels.get("texts", [])) or None,
            textposition="outside",
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    positive = [v for v in values if v > 0] or [1.0]
    # Room on the right for the largest bar's number (a log axis: ranges are in decades).
    span = [np.log10(min(positive)) - 0.5, np.log10(max(positive)) + 0.9]
    figure.update_xaxes(type="log", dtick=1, tickformat=",", range=span)
    figure.update_traces(cliponaxis=False)
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(height=max(300, 44 * len(names) + 120), showlegend=False)
    return figure


def lesson_gains(
    names: Sequence[str],
    gains: Sequence[float],
    labels: dict[str, str],
    highlight: int | None = None,
) -> go.Figure:
    """Revenue gains as shares (+10% = 0.10), one horizontal bar each; ``highlight`` (an
    index) in the target colour."""
    colors = [TARGET_COLOR if i == highlight else LINE_COLOR for i in range(len(names))]
    figure = go.Figure(
        go.Bar(
            x=list(gains),
            y=list(names),
            orientation="h",
            marker_color=colors,
            text=[f"{g:+.1%}" for g in gains],
            textposition="outside",
            hovertemplate="%{y}: %{x:+.1%}<extra></extra>",
        )
    )
    low, high = min(0.0, *gains), max(0.0, *gains)
    pad = 0.2 * (high - low or 0.1)  # room for each bar's number beyond its end
    figure.update_xaxes(
        tickformat="+.0%",
        zeroline=True,
        zerolinewidth=2,
        range=[low - (pad if low < 0 else 0), high + pad],
    )
    figure.update_traces(cliponaxis=False)
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(height=max(300, 40 * len(names) + 120), showlegend=False)
    return figure


def lesson_lag(
    months: Sequence[str],
    extra: Sequence[float],
    start: int,
    labels: dict[str, str],
    money: Callable[[float], str],
) -> go.Figure:
    """Extra revenue closing in each month from a lift that starts in month ``start``, and
    (as the last bar) what closes after the horizon."""
    values = list(extra)
    colors = ["#9fb8d6"] * (len(values) - 1) + [TARGET_COLOR]
    figure = go.Figure(
        go.Bar(
            x=list(months),
            y=values,
            marker_color=colors,
            hovertext=[money(v) for v in values],
            hovertemplate="%{x}: %{hovertext}<extra></extra>",
        )
    )
    figure.add_vline(
        x=start - 0.5,
        line={"color": LINE_COLOR, "width": 3, "dash": "dash"},
        annotation_text=labels["start"],
        annotation_position="top right",
    )
    figure.update_yaxes(**money_ticks(max(max(values, default=0.0), 1e-9) * 1.1, money))
    figure = _layout(figure, labels["title"], labels["x"], labels["y"])
    figure.update_layout(showlegend=False)
    return figure


def lesson_calls(
    months: Sequence[str],
    needed: Sequence[float],
    capacity: Sequence[float],
    labels: dict[str, str],
) -> go.Figure:
    """Calls the plain chain asks for in each month against what the team can make."""
    figure = go.Figure(
        [
            go.Bar(
                x=list(months),
                y=list(needed),
                name=labels["needed"],
                marker_color=LINE_COLOR,
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
            ),
            go.Scatter(
                x=list(months),
                y=list(capacity),
                name=labels["capacity"],
                mode="lines+markers",
                line={"color": TARGET_COLOR, "width": 3, "dash": "dash"},
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
            ),
        ]
    )
    figure.update_yaxes(rangemode="tozero", tickformat=",")
    return _layout(figure, labels["title"], labels["x"], labels["y"])


#: The baseline on the scenario board: thick and grey, so the scenarios' colours stand out.
BASELINE_COLOR = "#555555"


def scenario_reach(
    curves: Sequence[tuple[str, Cdf]],
    labels: dict[str, str],
    money: Callable[[float], str],
    *,
    presenting: bool = False,
) -> go.Figure:
    """The scenario board's curves: P(revenue ≥ x) of the baseline (the first curve, grey)
    and of each scenario (A–D in the comparison colours), with the target line.

    ``presenting`` makes the text larger and the figure shorter, so the board's figures
    and this chart fit one 1920×1080 screen.
    """
    figure = revenue_cdfs(curves, labels, money)
    # The far tail (the top 1% of trials) would squeeze the curves to the left.
    high = max(
        [float(np.quantile(curve.revenue, 0.99)) for _, curve in curves]
        + [curve.target * 1.1 for _, curve in curves]
    )
    figure.update_xaxes(range=[0, high], **money_ticks(high, money))
    for i, trace in enumerate(figure.data):
        if i == 0:
            trace.line.update(color=BASELINE_COLOR, width=5, dash="solid")
        else:
            color = COMPARE_COLORS[(i - 1) % len(COMPARE_COLORS)]
            trace.line.update(color=color, width=4, dash=COMPARE_DASHES[(i - 1) % 4])
    if presenting:
        big = {"size": 20, "color": "#000000"}
        # The legend above the plot, beside the title: the x axis keeps its own line.
        legend = {"font": big, "orientation": "h", "y": 1.02, "yanchor": "bottom"}
        legend |= {"x": 1, "xanchor": "right"}
        figure.update_layout(font=big, height=360, legend=legend, margin={"t": 80})
        figure.update_annotations(y=0.98, yanchor="top", xanchor="left")  # off the legend
        figure.update_xaxes(tickfont=big, title_font=big)
        figure.update_yaxes(tickfont=big, title_font=big)
    return figure


#: A workshop room's guesses: the crowd in blue, the simulated answer in the target's red.
GUESS_COLOR = "#9fb8d6"
ANSWER_COLOR = TARGET_COLOR


def pin_votes(
    names: Sequence[str], counts: Sequence[int], answer: int | None, labels: dict[str, str]
) -> go.Figure:
    """How many participants named each lever as the center pin (horizontal bars, most
    named on top); after the reveal the simulated center pin's bar is red."""
    colors = [ANSWER_COLOR if i == answer else LINE_COLOR for i in range(len(names))]
    figure = go.Figure(
        go.Bar(
            x=list(counts)[::-1],
            y=[html.escape(name) for name in names][::-1],  # plotly reads tags in text
            orientation="h",
            marker_color=colors[::-1],
            text=list(counts)[::-1],
            textposition="outside",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(showlegend=False, height=max(260, 60 + 44 * len(names)))
    figure.update_xaxes(dtick=1, rangemode="tozero")
    return figure


def p_target_guesses(
    bins: Sequence[int], answer: float | None, labels: dict[str, str]
) -> go.Figure:
    """The participants' P(target) guesses in 10-point bins; after the reveal, the
    simulated P(target) as a red line."""
    width = 100 / len(bins)
    centers = [width * (i + 0.5) for i in range(len(bins))]
    figure = go.Figure(
        go.Bar(
            x=centers,
            y=list(bins),
            width=width * 0.92,
            marker_color=GUESS_COLOR,
            name=labels["guesses"],
            hovertemplate="%{x:.0f}%: %{y}<extra></extra>",
        )
    )
    if answer is not None:
        figure.add_vline(
            x=answer * 100,
            line={"color": ANSWER_COLOR, "width": 4},
            annotation_text=labels["answer"],
            annotation_position="top",
        )
    figure = _layout(figure, labels["title"], labels["x"], labels["y"])
    figure.update_xaxes(range=[0, 100], dtick=10, ticksuffix="%")
    figure.update_yaxes(dtick=1, rangemode="tozero")
    figure.update_layout(showlegend=False, height=320)
    return figure


def member_revenue(
    names: Sequence[str],
    p10: Sequence[float],
    p50: Sequence[float],
    p90: Sequence[float],
    targets: Sequence[float],
    labels: dict[str, str],
    money: Callable[[float], str],
) -> go.Figure:
    """Each member's revenue: the P10–P90 range as a bar, the median as a dot, and their
    top-down target as a red mark. Names are user text: escaped (plotly reads tags)."""
    shown = [html.escape(name) for name in names]
    low, mid, high = (np.asarray(v, dtype=float) for v in (p10, p50, p90))
    figure = go.Figure(
        [
            go.Bar(
                y=shown,
                x=high - low,
                base=low,
                orientation="h",
                name=labels["range"],
                marker_color=BAND_COLOR.replace("0.18", "0.45"),
                hovertext=[f"{money(a)} – {money(b)}" for a, b in zip(low, high, strict=True)],
                hovertemplate="%{y}: %{hovertext}<extra></extra>",
            ),
            go.Scatter(
                y=shown,
                x=mid,
                mode="markers",
                name=labels["median"],
                marker={"color": LINE_COLOR, "size": 12},
                hovertext=[money(v) for v in mid],
                hovertemplate="%{y}: %{hovertext}<extra></extra>",
            ),
            go.Scatter(
                y=shown,
                x=list(targets),
                mode="markers",
                name=labels["target"],
                marker={"color": TARGET_COLOR, "size": 14, "symbol": "line-ns-open"},
                hovertext=[money(v) for v in targets],
                hovertemplate="%{y}: %{hovertext}<extra></extra>",
            ),
        ]
    )
    top = float(max(np.max(high, initial=0.0), max(targets, default=0.0)))
    figure.update_xaxes(**money_ticks(top * 1.05, money), rangemode="tozero")
    figure.update_yaxes(autorange="reversed")
    figure = _layout(figure, labels["title"], labels["x"], "")
    figure.update_layout(height=max(320, 36 * len(shown) + 140))
    return figure
