"""`manage.py simulate_shoppers`: a scripted few hundred shoppers give the dashboard a funnel, a
drop-off and a variant verdict."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_simulated_shoppers_fill_the_funnel_and_the_verdict(admin_client: Client) -> None:
    out = io.StringIO()
    call_command("simulate_shoppers", "--shoppers", "300", stdout=out)
    assert "Simulated 300 shoppers over 7 days in experiment carousel-layout" in out.getvalue()

    html = admin_client.get("/admin/analytics/funnelreport/").content.decode()

    assert "<strong>300</strong> shoppers searched" in html
    assert 'id="drop-off">Most shoppers leave before' in html
    assert 'id="verdict">' in html and "Not enough data yet" not in html
    assert 'id="console-verdict">' in admin_client.get("/admin/").content.decode()


def test_the_same_seed_writes_the_same_journeys() -> None:
    first, second = io.StringIO(), io.StringIO()
    call_command("simulate_shoppers", "--shoppers", "50", "--seed", "3", stdout=first)
    call_command("simulate_shoppers", "--shoppers", "50", "--seed", "3", stdout=second)
    assert first.getvalue() == second.getvalue()
