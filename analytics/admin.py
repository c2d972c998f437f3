"""Events are records: listed, filtered and searched, never edited. The funnel is a page of its own;
experiments are edited here."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from analytics import charts
from analytics.models import Event, Experiment, FunnelReport, Impression, Interaction, ToolCall, Variant
from analytics.report import ReportFilter, build_report, step_rows

EventT = TypeVar("EventT", bound=Event)


class EventAdmin(admin.ModelAdmin[EventT]):
    date_hierarchy = "occurred_at"
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Impression)
class ImpressionAdmin(EventAdmin[Impression]):
    list_display = ["occurred_at", "widget", "render_ms", "variant", "shopper"]
    list_filter = ["widget", "variant", "channel"]
    search_fields = ["shopper"]


@admin.register(Interaction)
class InteractionAdmin(EventAdmin[Interaction]):
    list_display = ["occurred_at", "widget", "action", "target", "variant", "shopper"]
    list_filter = ["action", "widget", "variant", "channel"]
    search_fields = ["shopper", "target"]


@admin.register(ToolCall)
class ToolCallAdmin(EventAdmin[ToolCall]):
    list_display = ["occurred_at", "server", "tool", "outcome", "duration_ms", "shopper"]
    list_filter = ["server", "tool", "outcome"]
    search_fields = ["shopper"]


class VariantFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if len(kept) < 2:
            raise ValidationError("An experiment needs at least two variants: the control (first) and another.")
        if not sum(data.get("weight") or 0 for data in kept):
            raise ValidationError("At least one variant needs a weight above 0.")


class VariantInline(admin.TabularInline[Variant, Experiment]):
    model = Variant
    formset = VariantFormSet
    extra = 0
    min_num = 2
    fields = ["name", "weight"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin[Experiment]):
    list_display = ["slug", "widget", "active", "split", "created_at"]
    list_filter = ["active", "widget"]
    search_fields = ["slug", "widget", "description"]
    inlines = [VariantInline]

    @admin.display(description="Variants and weights")
    def split(self, experiment: Experiment) -> str:
        return ", ".join(f"{variant.name} {variant.weight}" for variant in experiment.variants.all())

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("variants")


@admin.register(FunnelReport)
class FunnelReportAdmin(admin.ModelAdmin[FunnelReport]):
    """The funnel: counts, step conversion, time between steps, drop-off, per day, channel and variant."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        form = ReportFilter(request.GET or None)
        data = form.cleaned_data if form.is_valid() else ReportFilter({}).clean_for_defaults()
        report = build_report(data["start"], data["end"], data["channel"] or "", data["experiment"])
        if request.GET.get("format") == "csv":
            response = HttpResponse(report.csv(), content_type="text/csv; charset=utf-8")
            name = f"funnel-{report.start.isoformat()}-{report.end.isoformat()}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        days = report.days
        query = request.GET.copy()
        query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "title": "Funnel",
            "opts": self.opts,
            "form": form if request.GET else ReportFilter(initial=data),
            "report": report,
            "csv_query": query.urlencode(),
            "shopping_rows": step_rows(report.shopping),
            "membership_rows": step_rows(report.membership),
            "shopping_chart": charts.funnel_chart(report.shopping, "Shopping funnel"),
            "membership_chart": charts.funnel_chart(report.membership, "Circle 360 funnel"),
            "entered_line": charts.sparkline([entered for _, entered, _ in days], "Journeys begun per day"),
            "orders_line": charts.sparkline([orders for _, _, orders in days], "Orders per day"),
            "days": [
                (day, entered, orders, f"{orders / entered:.0%}" if entered else "–") for day, entered, orders in days
            ],
            "per_channel": [(name, result, step_rows(result)) for name, result in report.per_channel.items()],
            "per_variant": [(name, result, step_rows(result)) for name, result in report.per_variant.items()],
            "variant_chart": charts.rate_bars(
                [(name, result.steps[-1].overall) for name, result in report.per_variant.items()],
                "Orders per shopper, by variant",
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/analytics/funnel.html", context)
