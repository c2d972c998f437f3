from __future__ import annotations

from django.apps import AppConfig


class AuthServerConfig(AppConfig):
    name = "authserver"
    verbose_name = "Account linking"
