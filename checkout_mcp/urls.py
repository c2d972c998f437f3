from django.urls import path

from checkout_mcp import views

urlpatterns = [
    path("checkout/complete", views.CompletePurchaseView.as_view(), name="checkout-mcp-complete"),
]
