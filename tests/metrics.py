"""Read a live server's /metrics the way Prometheus does."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.liveserver import LiveServer


def sample(live: LiveServer, name: str, **labels: str) -> float:
    """The value of one sample (0 when it is absent), e.g. sample(live, "x_total", reason="timeout")."""
    text = httpx.get(f"{live.url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return float(found.value)
    return 0.0
