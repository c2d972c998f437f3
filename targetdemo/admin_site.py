"""The operator's admin: branded, with human app names, and a console as its home page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse


class OperatorAdminSite(admin.AdminSite):
    site_header = "Target demo console"
    site_title = "Target demo"
    index_title = "Console"
    index_template = "admin/console.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        # Imported here: this module loads with the admin app, before any model may be imported.
        from targetdemo.console import console

        return super().index(request, {**console(), **(extra_context or {})})


class OperatorAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin, so admin.site is the OperatorAdminSite."""

    default_site = "targetdemo.admin_site.OperatorAdminSite"
