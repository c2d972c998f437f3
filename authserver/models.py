"""What account linking adds to django-oauth-toolkit's clients, grants and tokens: the shopper
session a linked account's tool calls run in.

Carts, checkout and Circle 360 work on a signed-in ShopperSession. A bearer token stands for a
shopper, so each shopper has one linked session, signed in for as long as a valid token uses it:
every connector they link shares it, and with it their cart.
"""

from __future__ import annotations

from django.db import models, transaction

from auth_mcp.models import Shopper, ShopperSession, idle_timeout, now


class LinkedSessionManager(models.Manager["LinkedSession"]):
    def session_for(self, shopper: Shopper) -> ShopperSession:
        """The shopper's linked session, signed in and with its idle timer restarted; made anew if
        it expired and was purged."""
        current = now()
        with transaction.atomic():
            link, _ = self.select_for_update().get_or_create(shopper=shopper)
            if link.session_id is not None:
                renewed = ShopperSession.objects.filter(pk=link.session_id, shopper=shopper).update(
                    state=ShopperSession.State.SIGNED_IN, last_seen_at=current, expires_at=current + idle_timeout()
                )
                if renewed:
                    return ShopperSession.objects.select_related("shopper").get(pk=link.session_id)
            link.session = ShopperSession.objects.create(
                state=ShopperSession.State.SIGNED_IN,
                shopper=shopper,
                created_at=current,
                last_seen_at=current,
                expires_at=current + idle_timeout(),
            )
            link.save(update_fields=["session"])
            return link.session


class LinkedSession(models.Model):
    """The shopper session that tool calls with this shopper's access tokens run in."""

    shopper = models.OneToOneField(Shopper, on_delete=models.CASCADE, related_name="linked_session")
    session = models.OneToOneField(
        ShopperSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="linked_to"
    )

    objects = LinkedSessionManager()

    def __str__(self) -> str:
        return f"Linked session of {self.shopper}"
