from django.urls import path

from analytics import views

urlpatterns = [
    path("analytics/events", views.EventIngestView.as_view(), name="analytics-events"),
]
