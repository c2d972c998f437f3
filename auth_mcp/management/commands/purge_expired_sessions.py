from typing import Any

from django.core.management.base import BaseCommand

from auth_mcp.models import ShopperSession


class Command(BaseCommand):
    help = (
        "Delete shopper sessions (and their sign-in codes) idle past SHOPPER_SESSION_IDLE_SECONDS. "
        "Housekeeping only: expired sessions are refused on every access whether or not this runs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        _, by_model = ShopperSession.objects.expired().delete()
        sessions = by_model.get(ShopperSession._meta.label, 0)
        self.stdout.write(f"Deleted {sessions} expired shopper session(s).")
