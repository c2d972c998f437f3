from django.apps import AppConfig


class MembershipMCPConfig(AppConfig):
    name = "membership_mcp"
    verbose_name = "Circle 360"
