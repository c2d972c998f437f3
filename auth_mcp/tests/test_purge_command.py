from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from auth_mcp.models import ShopperSession
from auth_mcp.tests.conftest import Clock

pytestmark = pytest.mark.django_db


def test_it_deletes_only_expired_sessions(clock: Clock) -> None:
    idle = ShopperSession.objects.start()
    clock.advance(minutes=6)
    active = ShopperSession.objects.start()
    clock.advance(minutes=5)
    out = StringIO()
    call_command("purge_expired_sessions", stdout=out)
    assert "Deleted 1 expired" in out.getvalue()
    assert list(ShopperSession.objects.values_list("handle", flat=True)) == [active.handle]
    assert not ShopperSession.objects.filter(pk=idle.pk).exists()
