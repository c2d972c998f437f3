"""The funnel report the admin shows and exports: one date range, one channel, one experiment."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from analytics.funnel import MEMBERSHIP, SHOPPING, FunnelResult, Journey, by, first_day, funnel, load_journeys
from analytics.models import Channel, Experiment
from analytics.stats import Comparison

DEFAULT_DAYS = 14
MAX_DAYS = 366


class ReportFilter(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(choices=[("", "All channels"), *Channel.choices], required=False)
    experiment = forms.ModelChoiceField(Experiment.objects.all(), required=False, to_field_name="slug")

    def clean(self) -> dict[str, Any]:
        return self._with_defaults(super().clean() or {})

    def clean_for_defaults(self) -> dict[str, Any]:
        """The filter with nothing chosen: the last DEFAULT_DAYS days, every channel, the running experiment."""
        return self._with_defaults({})

    def _with_defaults(self, data: dict[str, Any]) -> dict[str, Any]:
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data.setdefault("channel", "")
        data["start"], data["end"] = start, end
        data["experiment"] = data.get("experiment") or Experiment.objects.filter(active=True).first()
        return data


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    channel: str
    experiment: Experiment | None
    shopping: FunnelResult
    membership: FunnelResult
    per_day: dict[date, FunnelResult]
    per_channel: dict[str, FunnelResult]
    per_variant: dict[str, FunnelResult]
    comparison: Comparison | None

    @property
    def days(self) -> list[tuple[date, int, int]]:
        """Each day of the range with the journeys that began and the orders they led to (0 if none)."""
        rows = []
        day = self.start
        while day <= self.end:
            result = self.per_day.get(day)
            rows.append((day, result.entered if result else 0, result.completed if result else 0))
            day += timedelta(days=1)
        return rows

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["funnel", "group", "step", "shoppers", "step_conversion", "overall", "median_seconds"])
        groups: list[tuple[str, str, FunnelResult]] = [("shopping", "all", self.shopping)]
        groups += [("membership", "all", self.membership)]
        groups += [("shopping", f"day={day.isoformat()}", result) for day, result in self.per_day.items()]
        groups += [("shopping", f"channel={name}", result) for name, result in self.per_channel.items()]
        groups += [("shopping", f"variant={name}", result) for name, result in self.per_variant.items()]
        for funnel_name, group, result in groups:
            for step in result.steps:
                writer.writerow(
                    [
                        funnel_name,
                        group,
                        step.step.key,
                        step.shoppers,
                        "" if step.conversion is None else f"{step.conversion:.4f}",
                        "" if step.overall is None else f"{step.overall:.4f}",
                        "" if step.median_seconds is None else f"{step.median_seconds:.1f}",
                    ]
                )
        return out.getvalue()


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, UTC), datetime.combine(end, time.max, UTC)


def compare(per_variant: dict[str, FunnelResult], experiment: Experiment) -> Comparison | None:
    """Control (the first variant made) against the first other variant, on orders placed."""
    names = list(experiment.variants.values_list("name", flat=True))
    if len(names) < 2:
        return None
    a, b = (per_variant.get(name) for name in names[:2])
    return Comparison(
        names[0],
        a.completed if a else 0,
        a.entered if a else 0,
        names[1],
        b.completed if b else 0,
        b.entered if b else 0,
    )


def build_report(start: date, end: date, channel: str = "", experiment: Experiment | None = None) -> Report:
    low, high = _day_bounds(start, end)
    slug = experiment.slug if experiment else ""
    journeys = load_journeys(low, high, SHOPPING, experiment=slug, channel=channel)
    members: list[Journey] = load_journeys(low, high, MEMBERSHIP, channel=channel)
    per_variant = by(journeys, lambda journey: journey.variant or None, SHOPPING) if experiment else {}
    return Report(
        start=start,
        end=end,
        channel=channel,
        experiment=experiment,
        shopping=funnel(journeys, SHOPPING),
        membership=funnel(members, MEMBERSHIP),
        per_day=by(journeys, first_day(SHOPPING), SHOPPING),
        per_channel=by(journeys, lambda journey: journey.channel, SHOPPING),
        per_variant=per_variant,
        comparison=compare(per_variant, experiment) if experiment else None,
    )


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def step_rows(result: FunnelResult) -> list[dict[str, Any]]:
    """The funnel as table rows, formatted for people."""
    return [
        {
            "label": step.step.label,
            "shoppers": step.shoppers,
            "conversion": "–" if step.conversion is None else f"{step.conversion:.0%}",
            "overall": "–" if step.overall is None else f"{step.overall:.0%}",
            "median": duration_text(step.median_seconds),
            "lost": step.lost,
            "is_drop_off": step is result.drop_off,
        }
        for step in result.steps
    ]
