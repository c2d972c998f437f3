from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    """A local MCP Apps host for seeing and rehearsing widgets without ChatGPT."""

    name = "playground"
    verbose_name = "Widget playground"
