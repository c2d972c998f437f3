"""The Circle 360 widget's callback: start a membership (idempotent, like completing a purchase)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from auth_mcp.models import ShopperSession
from membership_mcp import services
from membership_mcp.serializers import EnrollSerializer, MembershipSerializer
from shop.api import IdempotentCallbackView
from shop.openapi import IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER, charge_responses, error


class EnrollView(IdempotentCallbackView):
    """Enrol the signed-in shopper in Circle 360 on the chosen plan."""

    serializer_class = EnrollSerializer

    @extend_schema(
        operation_id="membership_enroll",
        tags=["circle-360"],
        request=EnrollSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, RETRY_AFTER],
        responses=charge_responses(
            MembershipSerializer,
            error(
                "Already a member (already_member), no card on file (no_card_on_file), or the "
                "Idempotency-Key was used for another request (idempotency_key_reused).",
                "already_member",
                "You are already a Target Circle 360 member.",
            ),
        ),
    )
    def post(self, request: Request) -> Response:
        data, key = self.validated_with_key(request)
        session = ShopperSession.objects.get_signed_in(data["sessionId"])
        return Response(MembershipSerializer(services.join(session, data["plan"], key)).data)
