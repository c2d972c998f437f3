"""The ingest endpoint widgets send their events to, batched by the widget runtime."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import services
from analytics.serializers import MAX_BODY_BYTES, AcceptedSerializer, EventBatchSerializer
from shop.api import BodyFieldThrottle, CallbackView
from shop.openapi import COMMON_ERRORS


class PerShopperEventThrottle(BodyFieldThrottle):
    scope = "analytics_shopper"
    rate_setting = "ANALYTICS_RATE_PER_SHOPPER"
    subject = "shopper"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = f"An event batch is at most {MAX_BODY_BYTES} bytes; send fewer events at a time."


class EventIngestView(CallbackView):
    """Store a batch of widget events (impressions and interactions) for one shopper."""

    serializer_class = EventBatchSerializer
    # Widgets send from their host's sandbox origin, whatever it is; events carry no credential.
    cors_any_origin = True
    throttle_classes = [PerShopperEventThrottle]
    throttled_message = "Too many events for this shopper."

    @extend_schema(
        operation_id="analytics_events",
        tags=["analytics"],
        request=EventBatchSerializer,
        responses={202: AcceptedSerializer, **COMMON_ERRORS},
    )
    def post(self, request: Request) -> Response:
        # Checked before the body is parsed: a large body is refused without reading it into JSON.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        body = self.validated(request)
        accepted = services.record_widget_events(body.get("shopper", ""), body["events"], timezone.now())
        return Response({"accepted": accepted}, status=status.HTTP_202_ACCEPTED)
