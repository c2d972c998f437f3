from django.apps import AppConfig


class AcpConfig(AppConfig):
    name = "acp"
    verbose_name = "Agentic checkout (ACP)"
