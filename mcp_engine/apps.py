from django.apps import AppConfig


class MCPEngineConfig(AppConfig):
    name = "mcp_engine"
    verbose_name = "MCP engine"

    def ready(self) -> None:
        from mcp_engine import checks  # noqa: F401  (registers the system checks)
