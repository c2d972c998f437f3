from django.contrib import admin

from search_mcp.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["title", "tcin", "brand", "department", "price", "rating", "review_count"]
    list_filter = ["department"]
    search_fields = ["title", "tcin", "brand", "keywords"]
    readonly_fields = ["keywords"]
    fieldsets = [
        (None, {"fields": ["tcin", "title", "brand", "department", "url"]}),
        ("Price and reviews", {"fields": ["price", "currency", "rating", "review_count"]}),
        ("Details", {"fields": ["features", "tags", "interests", "keywords"]}),
    ]
