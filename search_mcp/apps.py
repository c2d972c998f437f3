from django.apps import AppConfig


class SearchMCPConfig(AppConfig):
    name = "search_mcp"
