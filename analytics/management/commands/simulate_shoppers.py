"""Rehearse the analytics: a few hundred simulated shoppers through the carousel experiment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from analytics.models import Experiment, Variant
from analytics.simulation import Simulation, save

EXPERIMENT = "carousel-layout"
WIDGET = "product-carousel"


class Command(BaseCommand):
    help = (
        "Write the events of simulated shoppers' journeys (search, view, cart, checkout, order, Circle 360) "
        f"across the variants of the running {WIDGET} experiment, creating '{EXPERIMENT}' (row or grid, "
        "50/50) if none runs. Shopper ids are pseudonyms of 'simulated-<seed>-<n>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shoppers", type=int, default=300)
        parser.add_argument("--days", type=int, default=7, help="Spread the journeys over this many days up to now.")
        parser.add_argument("--seed", type=int, default=17, help="Same seed, same journeys.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["shoppers"] < 1 or options["days"] < 1:
            raise CommandError("--shoppers and --days must be 1 or more.")
        with transaction.atomic():
            experiment = Experiment.objects.filter(widget=WIDGET, active=True).first()
            if experiment is None:
                experiment = Experiment.objects.create(
                    slug=EXPERIMENT, widget=WIDGET, description="The carousel as a scrolling row or as a grid."
                )
                Variant.objects.bulk_create(
                    [
                        Variant(experiment=experiment, name="row", weight=1),
                        Variant(experiment=experiment, name="grid", weight=1),
                    ]
                )
            simulation = Simulation(
                shoppers=options["shoppers"],
                until=timezone.now(),
                experiment=experiment,
                days=options["days"],
                seed=options["seed"],
            )
            written = save(simulation.events())
        self.stdout.write(
            f"Simulated {options['shoppers']} shoppers over {options['days']} days in experiment "
            f"{experiment.slug}: {written} events."
        )
