"""Delete analytics events older than the retention: run it daily (a scheduler, cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.services import purge_events


class Command(BaseCommand):
    help = "Delete analytics events older than ANALYTICS_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days instead of the setting.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.ANALYTICS_RETENTION_DAYS
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        deleted = purge_events(retention_days=days)
        summary = ", ".join(f"{count} {name}" for name, count in deleted.items())
        self.stdout.write(f"Kept {days} days of events; deleted {summary}.")
