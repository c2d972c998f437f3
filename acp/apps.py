from django.apps import AppConfig


class AcpConfig(AppConfig):
    name = "acp"
    verbose_name = "Agentic checkout (ACP)"

    def ready(self) -> None:
        # The ACP MCP binding's tools join the checkout server (acp depends on checkout_mcp, not back).
        from acp import tools  # noqa: F401
