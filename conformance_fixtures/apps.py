from django.apps import AppConfig


class ConformanceFixturesConfig(AppConfig):
    """Development only: installed with its server when MCP_CONFORMANCE_FIXTURES=1."""

    name = "conformance_fixtures"
    verbose_name = "MCP conformance fixtures"
