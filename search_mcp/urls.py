from django.urls import path

from search_mcp import views

urlpatterns = [
    path("images/<str:tcin>.svg", views.product_image, name="search-mcp-product-image"),
]
