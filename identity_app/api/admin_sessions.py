"""Kratos' admin API for sessions (``/admin/sessions``, ``/admin/identities/{id}/sessions``)."""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from identity_app.models import Identity, Session
from identity_app.representations import session_json
from identity_app.services.sessions import session_extend, session_revoke, sessions_delete_for_identity
from ory_platform.drf import AdminAPIView
from ory_platform.errors import BadRequest, NotFound
from ory_platform.pagination import link_header, paginate, parse_page_request

EXPANDABLES = {"identity", "devices"}


def _active_filter(request) -> bool | None:
    raw = request.GET.get("active", "")
    if raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise BadRequest(reason="could not parse parameter active")


def _expand(request) -> set[str]:
    expand = set(request.GET.getlist("expand"))
    unknown = expand - EXPANDABLES
    if unknown:
        raise BadRequest(reason=f"Could not parse expand option: {sorted(unknown)[0]}")
    return expand


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(reason="Unable to locate the resource") from None


def _sessions_page(request, query):
    active = _active_filter(request)
    if active is not None:
        query = query.filter(active=active)
    page_request = parse_page_request(request.GET, default_size=250, max_size=1000)
    page = paginate(query.select_related("identity").prefetch_related("devices"), page_request)
    return page, page_request


def _session_body(session: Session, expand: set[str], *, default_identity: bool) -> dict:
    body = session_json(session, admin=True, with_identity=default_identity or "identity" in expand)
    return body


LIST_PARAMETERS = [
    OpenApiParameter("page_size", int),
    OpenApiParameter("page_token", str),
    OpenApiParameter("active", bool),
    OpenApiParameter("expand", str, many=True, enum=sorted(EXPANDABLES)),
]


class SessionCollection(AdminAPIView):
    @extend_schema(operation_id="listSessions", tags=["identity"], parameters=LIST_PARAMETERS, responses={200: dict})
    def get(self, request):
        expand = _expand(request)
        page, page_request = _sessions_page(request, Session.objects.all())
        response = Response([_session_body(s, expand, default_identity=False) for s in page.items])
        response["Link"] = link_header(request._request, page, page_request.page_size)
        return response


class SessionItem(AdminAPIView):
    @extend_schema(operation_id="getSession", tags=["identity"], responses={200: dict, 404: dict})
    def get(self, request, session_id):
        expand = _expand(request)
        session = (
            Session.objects.select_related("identity").prefetch_related("devices").filter(pk=_uuid(session_id)).first()
        )
        if session is None:
            raise NotFound(reason="Unable to locate the resource")
        return Response(_session_body(session, expand, default_identity=True))

    @extend_schema(operation_id="disableSession", tags=["identity"], responses={204: None, 404: dict})
    def delete(self, request, session_id):
        session_revoke(session_id=_uuid(session_id))
        return HttpResponse(status=204)


class SessionExtend(AdminAPIView):
    @extend_schema(operation_id="extendSession", tags=["identity"], request=None, responses={200: dict, 404: dict})
    def patch(self, request, session_id):
        session = session_extend(session_id=_uuid(session_id))
        return Response(session_json(session, admin=True))


class IdentitySessions(AdminAPIView):
    @extend_schema(
        operation_id="listIdentitySessions",
        tags=["identity"],
        parameters=LIST_PARAMETERS[:3],
        responses={200: dict, 404: dict},
    )
    def get(self, request, identity_id):
        identity_id = _uuid(identity_id)
        if not Identity.objects.filter(pk=identity_id).exists():
            raise NotFound(reason="Unable to locate the resource")
        page, page_request = _sessions_page(request, Session.objects.filter(identity_id=identity_id))
        response = Response([session_json(s, admin=True) for s in page.items])
        response["Link"] = link_header(request._request, page, page_request.page_size)
        return response

    @extend_schema(operation_id="deleteIdentitySessions", tags=["identity"], responses={204: None, 404: dict})
    def delete(self, request, identity_id):
        identity_id = _uuid(identity_id)
        if not Identity.objects.filter(pk=identity_id).exists():
            raise NotFound(reason="Unable to locate the resource")
        sessions_delete_for_identity(identity_id=identity_id)
        return HttpResponse(status=204)
