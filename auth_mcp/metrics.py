"""Active shopper sessions for /metrics, counted in the database when Prometheus scrapes.

A custom collector rather than a Gauge: sessions are created and expire in every process (and
expire by the clock, with no event to decrement on), so only the shared database knows the number.
`collect()` runs in the /metrics view's worker thread; it is one indexed COUNT ... GROUP BY state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

NAME = "targetdemo_shopper_sessions_active"
DOCUMENTATION = "Shopper sessions not yet expired, by sign-in state (all processes: read from the database)."


class ActiveShopperSessions(Collector):
    def describe(self) -> Iterator[Metric]:
        # Without describe(), registering would call collect() and query the database at start-up.
        yield GaugeMetricFamily(NAME, DOCUMENTATION, labels=["state"])

    def collect(self) -> Iterator[Metric]:
        from django.db.models import Count

        from auth_mcp.models import ShopperSession

        family = GaugeMetricFamily(NAME, DOCUMENTATION, labels=["state"])
        try:
            counted = {
                row["state"]: row["n"]
                for row in ShopperSession.objects.live().order_by().values("state").annotate(n=Count("id"))
            }
        except DatabaseError as exc:
            # /metrics keeps answering with the other metrics; /readyz reports the database.
            logger.warning("Could not count shopper sessions for /metrics: %s", type(exc).__name__)
            return
        for state in ShopperSession.State.values:
            family.add_metric([state], counted.get(state, 0))
        yield family


_collector: ActiveShopperSessions | None = None


def register() -> None:
    """Register once per process (AppConfig.ready may run more than once in tests)."""
    global _collector
    if _collector is None:
        _collector = ActiveShopperSessions()
        REGISTRY.register(_collector)
