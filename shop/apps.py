from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop core"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from shop.api import any_origin_for_open_callbacks

        check_request_enabled.connect(any_origin_for_open_callbacks, dispatch_uid="shop-open-callbacks")
