"""What a widget-rendering tool adds to its result so the widget can report events and render its
variant: the shopper's pseudonym, the ingest endpoint, and the variant of the widget's running
experiment (the same for a shopper every time, so the resource stays one cached template).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from pydantic import BaseModel, Field

from analytics.models import Experiment, Variant
from analytics.shoppers import shopper_key

INGEST_PATH = "/api/analytics/events"
# Experiments change in the admin rarely; each process rereads them this often (at once on its own saves).
EXPERIMENT_CACHE_SECONDS = 10.0


class WidgetVariant(BaseModel):
    experiment: str = Field(description="The A/B experiment this widget is part of.")
    name: str = Field(description="The variant this shopper sees; the widget renders it.")


@dataclass(frozen=True)
class WidgetTag:
    widget: str
    shopper: str
    variant: WidgetVariant | None

    def meta(self) -> dict[str, Any]:
        """The tool result's `_meta` entry the widget runtime reads to send events."""
        return {
            "analytics": {
                "endpoint": f"{settings.PUBLIC_BASE_URL}{INGEST_PATH}",
                "widget": self.widget,
                "shopper": self.shopper,
                "experiment": self.variant.experiment if self.variant else "",
                "variant": self.variant.name if self.variant else "",
            }
        }


_running: dict[str, tuple[float, Experiment | None, list[Variant]]] = {}


def _forget_experiments(**kwargs: Any) -> None:
    _running.clear()


for _model in (Experiment, Variant):
    post_save.connect(_forget_experiments, sender=_model, dispatch_uid=f"analytics-forget-{_model.__name__}")
    post_delete.connect(_forget_experiments, sender=_model, dispatch_uid=f"analytics-forget-del-{_model.__name__}")


def _load(widget: str) -> tuple[Experiment | None, list[Variant]]:
    experiment = Experiment.objects.filter(widget=widget, active=True).first()
    return experiment, list(experiment.variants.all()) if experiment else []


async def running_experiment(widget: str) -> tuple[Experiment | None, list[Variant]]:
    cached = _running.get(widget)
    if cached is None or cached[0] < time.monotonic():
        experiment, variants = await database_sync_to_async(_load)(widget)
        cached = _running[widget] = (time.monotonic() + EXPERIMENT_CACHE_SECONDS, experiment, variants)
    return cached[1], cached[2]


async def tag_widget(widget: str, session_handle: str | None) -> WidgetTag:
    """The tag for `widget` shown to the shopper of `session_handle` (None: an unknown shopper,
    who gets a variant by chance and events that no journey links)."""
    shopper = shopper_key(session_handle) if session_handle else ""
    experiment, variants = await running_experiment(widget)
    chosen = experiment.assign(shopper or uuid.uuid4().hex, variants) if experiment else None
    variant = WidgetVariant(experiment=experiment.slug, name=chosen.name) if experiment and chosen else None
    return WidgetTag(widget=widget, shopper=shopper, variant=variant)
