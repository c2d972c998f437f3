"""Charts for the admin, drawn server-side as inline SVG: no script, no library, and colours from
the admin's own CSS variables, so they follow its light and dark themes."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from analytics.funnel import FunnelResult

BAR_HEIGHT = 26
BAR_GAP = 8
LABEL_WIDTH = 170
BAR_WIDTH = 420
FIGURE_WIDTH = 700


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def funnel_chart(result: FunnelResult, title: str) -> SafeString:
    """Horizontal bars, one a step, as long as the share of entering shoppers who reached it."""
    rows = []
    entered = result.entered or 1
    drop = result.drop_off
    for index, step in enumerate(result.steps):
        y = index * (BAR_HEIGHT + BAR_GAP)
        width = max(2.0, BAR_WIDTH * step.shoppers / entered) if step.shoppers else 0.0
        colour = "var(--delete-button-bg, #ba2121)" if drop is not None and step is drop else "var(--primary, #79aec8)"
        rows.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" class="label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" style="fill:{}"></rect>'
                '<text x="{}" y="{}" class="value">{} · {}</text></g>',
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT * 0.68,
                step.step.label,
                LABEL_WIDTH,
                y,
                f"{width:.1f}",
                BAR_HEIGHT,
                mark_safe(colour),
                LABEL_WIDTH + width + 8,
                y + BAR_HEIGHT * 0.68,
                step.shoppers,
                _percent(step.conversion if index else 1.0),
            )
        )
    height = len(result.steps) * (BAR_HEIGHT + BAR_GAP)
    return format_html(
        '<svg class="chart funnel" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
        "<title>{}</title>{}</svg>",
        title,
        FIGURE_WIDTH,
        height,
        FIGURE_WIDTH,
        height,
        title,
        mark_safe("".join(rows)),
    )


def sparkline(values: Sequence[float], title: str, width: int = 160, height: int = 36) -> SafeString:
    """A line through `values`, left to right, scaled to the largest; a flat line when all are 0."""
    if not values:
        return format_html('<span class="sparkline-empty">{}</span>', "no data")
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{index * step:.1f},{height - 2 - (height - 4) * value / top:.1f}" for index, value in enumerate(values)
    )
    return format_html(
        '<svg class="chart sparkline" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
        '<title>{}</title><polyline points="{}" style="fill:none;stroke:var(--primary, #79aec8);stroke-width:2">'
        "</polyline></svg>",
        title,
        width,
        height,
        width,
        height,
        title,
        points,
    )


def rate_bars(rates: Sequence[tuple[str, float | None]], title: str) -> SafeString:
    """One bar a variant: its conversion rate, on a scale to the best."""
    best = max((rate or 0.0 for _, rate in rates), default=0.0) or 1.0
    rows = []
    for index, (name, rate) in enumerate(rates):
        y = index * (BAR_HEIGHT + BAR_GAP)
        width = BAR_WIDTH * (rate or 0.0) / best
        rows.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" class="label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" style="fill:var(--primary, #79aec8)"></rect>'
                '<text x="{}" y="{}" class="value">{}</text></g>',
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT * 0.68,
                name,
                LABEL_WIDTH,
                y,
                f"{width:.1f}",
                BAR_HEIGHT,
                LABEL_WIDTH + width + 8,
                y + BAR_HEIGHT * 0.68,
                _percent(rate),
            )
        )
    height = max(len(rates), 1) * (BAR_HEIGHT + BAR_GAP)
    return format_html(
        '<svg class="chart rates" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
        "<title>{}</title>{}</svg>",
        title,
        FIGURE_WIDTH,
        height,
        FIGURE_WIDTH,
        height,
        title,
        mark_safe("".join(rows)),
    )
