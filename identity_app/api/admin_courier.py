"""Kratos' courier admin API (``/admin/courier/messages``) and the error flow endpoint."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from identity_app.api.selfservice import SelfServiceView
from identity_app.models import CourierMessage, SelfServiceError
from identity_app.representations import iso
from ory_platform.drf import AdminAPIView
from ory_platform.errors import BadRequest, NotFound
from ory_platform.pagination import link_header, paginate, parse_page_request


def message_json(message: CourierMessage) -> dict:
    return {
        "id": str(message.pk),
        "type": message.type,
        "status": message.status,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "template_type": message.template_type,
        "send_count": message.send_count,
        "channel": None,
        "created_at": iso(message.created_at),
        "updated_at": iso(message.updated_at),
        "dispatches": [
            {
                "id": str(dispatch.pk),
                "message_id": str(message.pk),
                "status": dispatch.status,
                "error": dispatch.error or {},
                "created_at": iso(dispatch.created_at),
                "updated_at": iso(dispatch.updated_at),
            }
            for dispatch in message.dispatches.all()
        ],
    }


class CourierMessages(AdminAPIView):
    @extend_schema(
        operation_id="listCourierMessages",
        tags=["courier"],
        parameters=[
            OpenApiParameter("page_size", int),
            OpenApiParameter("page_token", str),
            OpenApiParameter("status", str, enum=CourierMessage.Status.values),
            OpenApiParameter("recipient", str),
        ],
        responses={200: dict},
    )
    def get(self, request):
        page_request = parse_page_request(request.GET, default_size=250, max_size=1000)
        query = CourierMessage.objects.prefetch_related("dispatches")
        status = request.GET.get("status")
        if status:
            if status not in CourierMessage.Status.values:
                raise BadRequest(reason=f"status must be one of {', '.join(CourierMessage.Status.values)}.")
            query = query.filter(status=status)
        recipient = request.GET.get("recipient")
        if recipient:
            query = query.filter(recipient=recipient.strip().lower())
        page = paginate(query, page_request)
        response = Response([message_json(message) for message in page.items])
        response["Link"] = link_header(request._request, page, page_request.page_size)
        return response


class CourierMessageItem(AdminAPIView):
    @extend_schema(operation_id="getCourierMessage", tags=["courier"], responses={200: dict, 404: dict})
    def get(self, request, message_id):
        try:
            message = CourierMessage.objects.prefetch_related("dispatches").get(pk=uuid.UUID(str(message_id)))
        except (CourierMessage.DoesNotExist, ValueError):
            raise NotFound(reason="Unable to locate the resource") from None
        return Response(message_json(message))


class FlowErrorView(SelfServiceView):
    """``GET /self-service/errors?id=``: a stored user-facing error (Kratos' ``flowError``)."""

    @extend_schema(
        operation_id="getFlowError",
        tags=["frontend"],
        parameters=[OpenApiParameter("id", str)],
        responses={200: dict, 404: dict},
    )
    def get(self, request):
        try:
            record = SelfServiceError.objects.get(pk=uuid.UUID(request.GET.get("id", "")))
        except (SelfServiceError.DoesNotExist, ValueError):
            raise NotFound(reason="The error could not be found.") from None
        return Response(
            {
                "id": str(record.pk),
                "error": record.error,
                "created_at": iso(record.created_at),
                "updated_at": iso(record.updated_at),
            }
        )
