from django.urls import path

from membership_mcp import views

urlpatterns = [
    path("membership/enroll", views.EnrollView.as_view(), name="membership-mcp-enroll"),
]
