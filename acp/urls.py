from django.urls import path

from acp import views

# Under api_base_url (/acp); discovery and the delegated-payment stand-in are mounted at the root.
urlpatterns = [
    path("checkout_sessions", views.CheckoutSessionsView.as_view(), name="acp-sessions"),
    path("checkout_sessions/<str:session_id>", views.CheckoutSessionView.as_view(), name="acp-session"),
    path("checkout_sessions/<str:session_id>/complete", views.CompleteSessionView.as_view(), name="acp-complete"),
    path("checkout_sessions/<str:session_id>/cancel", views.CancelSessionView.as_view(), name="acp-cancel"),
    path("orders/<str:number>", views.OrderView.as_view(), name="acp-order"),
    path("feeds/<str:feed_id>", views.FeedView.as_view(), name="acp-feed"),
    path("feeds/<str:feed_id>/products", views.FeedProductsView.as_view(), name="acp-feed-products"),
    path("openapi.json", views.openapi, name="acp-openapi"),
]
