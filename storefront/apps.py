from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    """The whole shop as one connector (/shop), and the front door at / that says how to add it."""

    name = "storefront"
    verbose_name = "Storefront"
