"""The webhook worker (Procfile `worker:`): deliver due order events to ACP_WEBHOOK_URL, forever."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from acp import webhooks


class Command(BaseCommand):
    help = "Deliver ACP order webhooks from the outbox, signed, retrying failures with backoff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Deliver what is due now, then exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        if not settings.ACP_WEBHOOK_URL:
            raise CommandError("Set ACP_WEBHOOK_URL to the agent platform's webhook endpoint.")
        asyncio.run(self.run(once))

    async def run(self, once: bool) -> None:
        while True:
            attempted = await webhooks.deliver_due()
            if attempted:
                self.stdout.write(f"attempted {attempted} webhook(s)")
            if once:
                return
            if not attempted:
                await asyncio.sleep(settings.ACP_WEBHOOK_POLL_SECONDS)
