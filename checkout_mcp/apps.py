from django.apps import AppConfig


class CheckoutMCPConfig(AppConfig):
    name = "checkout_mcp"
    verbose_name = "Checkout"
