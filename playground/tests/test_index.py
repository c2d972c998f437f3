"""The playground page, in process: what its endpoint picker offers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_endpoint_picker_offers_every_mounted_server_in_order(admin_client: Client) -> None:
    page = admin_client.get("/playground/")

    assert page.status_code == 200
    assert re.findall(r'<option value="(/[^"]*)">', page.content.decode()) == [
        f"/{path}" for path in settings.MCP_SERVERS
    ]
