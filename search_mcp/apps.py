from django.apps import AppConfig


class SearchMCPConfig(AppConfig):
    name = "search_mcp"
    verbose_name = "Product search"
