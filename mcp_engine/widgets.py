"""Widget templates served as MCP Apps resources (``text/html;profile=mcp-app``).

A widget is one HTML file under ``templates/widgets/``. When served, the shared runtime, its
brand-neutral stylesheet and the project's theme (``MCP_WIDGET_THEME``, a template name)
are inlined at the ``<!-- mcp:widget-runtime -->`` marker, so the resource loads nothing from
elsewhere. The URI carries a hash of the final HTML: hosts cache templates by URI, so a changed
widget must get a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from django.template.loader import get_template

from mcp_engine.conf import mcp_settings

RUNTIME_MARKER = "<!-- mcp:widget-runtime -->"
MIME_TYPE = "text/html;profile=mcp-app"
RUNTIME_DIR = Path(__file__).resolve().parent / "widget_runtime"

Domains = Sequence[str] | Callable[[], Sequence[str]]


def runtime_block() -> str:
    """What replaces the marker: the base stylesheet, the project's theme after it, the runtime."""
    css = (RUNTIME_DIR / "base.css").read_text()
    theme_name = mcp_settings.MCP_WIDGET_THEME
    theme = f"<style>\n{_source(theme_name)}\n</style>\n" if theme_name else ""
    js = (RUNTIME_DIR / "runtime.js").read_text()
    # A literal "</script>" inside the inlined code would end the element early.
    js = js.replace("</script", "<\\/script")
    return f"<style>\n{css}\n</style>\n{theme}<script>\n{js}\n</script>"


def _source(template_name: str) -> str:
    """A template's text as written: widgets and their theme are served as they are, not rendered."""
    source: str = get_template(template_name).template.source  # type: ignore[attr-defined]
    return source


@dataclass(eq=False)
class Widget:
    server_name: str
    name: str
    title: str
    description: str
    prefers_border: bool = True
    connect_domains: Domains = ()
    resource_domains: Domains = ()
    redirect_domains: Domains = ()

    @property
    def template_name(self) -> str:
        return f"widgets/{self.name}.html"

    @cached_property
    def html(self) -> str:
        source = _source(self.template_name)
        if RUNTIME_MARKER not in source:
            raise ValueError(f"{self.template_name} lacks the {RUNTIME_MARKER} marker in <head>")
        block = runtime_block()
        if self.prefers_border:
            # Before the runtime's styles apply: the widget never flashes its own card.
            block = f"<script>document.documentElement.dataset.hostBorder = '';</script>\n{block}"
        return source.replace(RUNTIME_MARKER, block, 1)

    @cached_property
    def uri(self) -> str:
        digest = hashlib.sha256(self.html.encode()).hexdigest()[:12]
        return f"ui://{self.server_name}/{self.name}-{digest}.html"

    def answers(self, uri: str) -> bool:
        """True for this widget's URI of any version: hosts may ask for one cached before a deploy."""
        prefix = f"ui://{self.server_name}/{self.name}-"
        return uri == self.uri or (uri.startswith(prefix) and uri.endswith(".html") and len(uri) == len(self.uri))

    @cached_property
    def meta(self) -> dict[str, Any]:
        connect = _resolve(self.connect_domains)
        resources = _resolve(self.resource_domains)
        redirects = _resolve(self.redirect_domains)
        meta: dict[str, Any] = {
            "ui": {
                "prefersBorder": self.prefers_border,
                "csp": {"connectDomains": connect, "resourceDomains": resources},
            },
            "openai/widgetDescription": self.description,
            "openai/widgetPrefersBorder": self.prefers_border,
            "openai/widgetCSP": {
                "connect_domains": connect,
                "resource_domains": resources,
                "redirect_domains": redirects,
            },
        }
        # Only when the deployment has one: hosts validate it, and one they refuse can stop the
        # widget rendering at all, while leaving it out is always safe.
        domain = mcp_settings.MCP_WIDGET_DOMAIN
        if domain:
            meta["ui"]["domain"] = domain
            meta["openai/widgetDomain"] = domain
        return meta

    def listing(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "mimeType": MIME_TYPE,
            "_meta": self.meta,
        }

    def template_listing(self) -> dict[str, Any]:
        listing = self.listing()
        listing["uriTemplate"] = listing.pop("uri")
        return listing

    def contents(self, uri: str) -> dict[str, Any]:
        return {"uri": uri, "mimeType": MIME_TYPE, "text": self.html, "_meta": self.meta}


def _resolve(domains: Domains) -> list[str]:
    return list(domains() if callable(domains) else domains)
