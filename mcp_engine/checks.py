"""System checks: a broken widget template is reported at start-up, not on a host's first call."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def widget_templates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from targetdemo.mcp import mounted_servers

    problems: list[checks.CheckMessage] = []
    for prefix, server in mounted_servers().items():
        for widget in server.widgets:  # type: ignore[attr-defined]
            try:
                widget.html  # noqa: B018 - loads and inlines the template
            except Exception as exc:
                problems.append(
                    checks.Error(
                        f"Widget {widget.name!r} of /{prefix} cannot be served: {exc}",
                        hint=f"Create templates/{widget.template_name} with the widget-runtime marker in <head>.",
                        id="mcp_engine.E001",
                    )
                )
    return problems
