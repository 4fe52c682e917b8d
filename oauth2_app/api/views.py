"""Hydra's admin API (``/admin/clients``, ``/admin/oauth2/*``, ``/admin/keys``). Thin: parse, call one
service or selector, answer in Hydra's JSON; errors leave in Ory's envelope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse, QueryDict
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from oauth2_app import keys, selectors
from oauth2_app.api.payloads import (
    InvalidRequest,
    body_object,
    consent_acceptance,
    device_user_code,
    login_acceptance,
    optional_uuid,
    rejection,
    require_query,
)
from oauth2_app.api.schema import hydra_operations
from oauth2_app.client_metadata import client_json
from oauth2_app.errors import ClientNotFound, FlowAlreadyHandled
from oauth2_app.models import Client
from oauth2_app.models.keys import ID_TOKEN_KEY_SET
from oauth2_app.services import challenges, clients, device, tokens
from ory_platform.authentication import admin_api_key
from ory_platform.drf import AdminAPIView
from ory_platform.errors import BadRequest, UnsupportedMediaType
from ory_platform.queries import unique_row

MAX_PAGE_SIZE = 500


def _redirect(url: str) -> Response:
    return Response({"redirect_to": url})


def _gone(error: FlowAlreadyHandled) -> Response:
    # Hydra answers a GET of a used challenge with 410 and where to send the browser.
    return Response({"redirect_to": error.redirect_to}, status=status.HTTP_410_GONE)


@hydra_operations(get="listOAuth2Clients", post="createOAuth2Client")
class ClientListView(AdminAPIView):
    """``GET /admin/clients`` (keyset pages, ``client_name``/``owner`` filters) and ``POST`` (RFC 7591 §3.1)."""

    def get(self, request):
        try:
            page_size = int(request.query_params.get("page_size", "250"))
        except ValueError:
            raise InvalidRequest(reason="page_size must be an integer.") from None
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidRequest(reason=f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
        page, next_token = selectors.clients_page(
            page_size=page_size,
            page_token=request.query_params.get("page_token") or None,
            client_name=request.query_params.get("client_name") or None,
            owner=request.query_params.get("owner") or None,
        )
        response = Response([client_json(client) for client in page])
        if next_token:
            query = QueryDict(mutable=True)
            query.update({k: v for k, v in request.query_params.items() if k != "page_token"})
            query["page_size"], query["page_token"] = str(page_size), next_token
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
        return response

    def post(self, request):
        client, secret = clients.client_create(metadata=request.data)
        return Response(
            client_json(client, secret=secret),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/admin/clients/{client.client_id}"},
        )


@hydra_operations(get="getOAuth2Client", put="setOAuth2Client", patch="patchOAuth2Client", delete="deleteOAuth2Client")
class ClientDetailView(AdminAPIView):
    """``GET/PUT/PATCH/DELETE /admin/clients/{id}``."""

    def get(self, request, client_id: str):
        client = unique_row(Client.objects.filter(client_id=client_id))
        if client is None:
            raise ClientNotFound()
        return Response(client_json(client))

    def put(self, request, client_id: str):
        client, secret = clients.client_replace(client_id=client_id, metadata=request.data)
        return Response(client_json(client, secret=secret))

    def patch(self, request, client_id: str):
        client, secret = clients.client_patch(client_id=client_id, operations=request.data)
        return Response(client_json(client, secret=secret))

    def delete(self, request, client_id: str):
        clients.client_delete(client_id=client_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@hydra_operations(put="setOAuth2ClientLifespans")
class ClientLifespansView(AdminAPIView):
    """``PUT /admin/clients/{id}/lifespans``."""

    def put(self, request, client_id: str):
        client = clients.client_set_lifespans(client_id=client_id, lifespans=request.data)
        return Response(client_json(client))


@hydra_operations(get="getOAuth2LoginRequest")
class LoginRequestView(AdminAPIView):
    def get(self, request):
        try:
            return Response(
                selectors.login_request_get(challenge=require_query(request, "login_challenge", "challenge"))
            )
        except FlowAlreadyHandled as error:
            return _gone(error)


@hydra_operations(put="acceptOAuth2LoginRequest")
class LoginAcceptView(AdminAPIView):
    def put(self, request):
        challenge = require_query(request, "login_challenge", "challenge")
        return _redirect(challenges.login_request_accept(challenge=challenge, **login_acceptance(body_object(request))))


@hydra_operations(put="rejectOAuth2LoginRequest")
class LoginRejectView(AdminAPIView):
    def put(self, request):
        challenge = require_query(request, "login_challenge", "challenge")
        return _redirect(challenges.login_request_reject(challenge=challenge, payload=rejection(body_object(request))))


@hydra_operations(get="getOAuth2ConsentRequest")
class ConsentRequestView(AdminAPIView):
    def get(self, request):
        challenge = require_query(request, "consent_challenge", "challenge")
        try:
            return Response(selectors.consent_request_get(challenge=challenge))
        except FlowAlreadyHandled as error:
            return _gone(error)


@hydra_operations(put="acceptOAuth2ConsentRequest")
class ConsentAcceptView(AdminAPIView):
    def put(self, request):
        challenge = require_query(request, "consent_challenge", "challenge")
        return _redirect(
            challenges.consent_request_accept(challenge=challenge, **consent_acceptance(body_object(request)))
        )


@hydra_operations(put="rejectOAuth2ConsentRequest")
class ConsentRejectView(AdminAPIView):
    def put(self, request):
        challenge = require_query(request, "consent_challenge", "challenge")
        return _redirect(
            challenges.consent_request_reject(challenge=challenge, payload=rejection(body_object(request)))
        )


@hydra_operations(get="getOAuth2LogoutRequest")
class LogoutRequestView(AdminAPIView):
    def get(self, request):
        try:
            return Response(
                selectors.logout_request_get(challenge=require_query(request, "logout_challenge", "challenge"))
            )
        except FlowAlreadyHandled as error:
            return _gone(error)


@hydra_operations(put="acceptOAuth2LogoutRequest")
class LogoutAcceptView(AdminAPIView):
    def put(self, request):
        return _redirect(
            challenges.logout_request_accept(challenge=require_query(request, "logout_challenge", "challenge"))
        )


@hydra_operations(put="rejectOAuth2LogoutRequest")
class LogoutRejectView(AdminAPIView):
    def put(self, request):
        challenges.logout_request_reject(challenge=require_query(request, "logout_challenge", "challenge"))
        return Response(status=status.HTTP_204_NO_CONTENT)


@hydra_operations(put="acceptUserCodeRequest")
class DeviceUserCodeAcceptView(AdminAPIView):
    """The device UI names the user code the browser entered (``OAUTH2_DEVICE_VERIFICATION_URL``)."""

    def put(self, request):
        challenge = require_query(request, "device_challenge")
        user_code = device_user_code(body_object(request))
        return _redirect(device.device_user_code_accept(challenge=challenge, user_code=user_code))


@hydra_operations(get="listOAuth2ConsentSessions", delete="revokeOAuth2ConsentSessions")
class ConsentSessionsView(AdminAPIView):
    """``GET/DELETE /admin/oauth2/auth/sessions/consent``."""

    def get(self, request):
        subject = require_query(request, "subject")
        sessions = selectors.consent_sessions(
            subject=subject,
            login_session_id=optional_uuid(request.query_params.get("login_session_id"), "login_session_id"),
        )
        return Response([selectors.consent_session_json(flow) for flow in sessions[:MAX_PAGE_SIZE]])

    def delete(self, request):
        params = request.query_params
        subject, client_id = params.get("subject", ""), params.get("client", "")
        consent_request_id = params.get("consent_request_id", "")
        all_clients = params.get("all") == "true"
        if consent_request_id and not subject and not client_id:
            challenges.consent_sessions_revoke(
                consent_request_id=optional_uuid(consent_request_id, "consent_request_id")
            )
        elif subject and client_id and not all_clients and not consent_request_id:
            client = unique_row(Client.objects.filter(client_id=client_id))
            if client is not None:
                challenges.consent_sessions_revoke(subject=subject, client=client)
        elif subject and all_clients and not client_id and not consent_request_id:
            challenges.consent_sessions_revoke(subject=subject, all_clients=True)
        else:
            raise InvalidRequest(reason="Invalid combination of query parameters.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@hydra_operations(delete="revokeOAuth2LoginSessions")
class LoginSessionsView(AdminAPIView):
    """``DELETE /admin/oauth2/auth/sessions/login?subject=`` (or ``?sid=``)."""

    def delete(self, request):
        subject, sid = request.query_params.get("subject", ""), request.query_params.get("sid", "")
        if not subject and not sid:
            raise InvalidRequest(reason="Either 'subject' or 'sid' query parameters need to be defined.")
        challenges.login_sessions_revoke(subject=subject or None, session_id=optional_uuid(sid, "sid"))
        return Response(status=status.HTTP_204_NO_CONTENT)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _introspection_form(request: HttpRequest) -> Mapping[str, Any]:
    """The parameters of an introspection request: a form, as RFC 7662 §2.1 says (JSON accepted too)."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise BadRequest(reason="The request body is not valid JSON.") from None
        return data if isinstance(data, dict) else {}
    if request.content_type in _FORM_TYPES or not request.body:
        return request.POST
    raise UnsupportedMediaType(reason=f"Unsupported media type {request.content_type!r} in request.")


@hydra_operations(post="introspectOAuth2Token")
class IntrospectView(AdminAPIView):
    """``POST /admin/oauth2/introspect`` (RFC 7662) in Hydra's shape.

    Resource servers call this on every request they serve, and DRF's request wrapping, content
    negotiation and rendering cost more than the answer itself; so the view answers from Django's
    request (the API key checked, and errors in the envelope, as in every admin view) and stays a
    DRF view only for the API schema, which reads its parsers and ``post``.
    """

    parser_classes = [FormParser, MultiPartParser, JSONParser]
    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        admin_api_key(request)
        return self.post(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = _introspection_form(request)
        token, scope = form.get("token"), form.get("scope") or ""
        if not token or not isinstance(token, str):
            raise InvalidRequest(reason="The POST body must contain a 'token' parameter.")
        if not isinstance(scope, str):
            raise InvalidRequest(reason="The 'scope' parameter must be a string.")
        return JsonResponse(selectors.token_introspect(token=token, scopes=scope.split()))


@hydra_operations(delete="deleteOAuth2Token")
class TokensView(AdminAPIView):
    """``DELETE /admin/oauth2/tokens?client_id=``."""

    def delete(self, request):
        tokens.tokens_delete_for_client(client_id=require_query(request, "client_id"))
        return Response(status=status.HTTP_204_NO_CONTENT)


@hydra_operations(get="getJsonWebKeySet", post="createJsonWebKeySet")
class KeySetView(AdminAPIView):
    """``GET /admin/keys/{set}`` (public keys only: private keys never leave the server) and
    ``POST`` to rotate (a new active RS256 key; the old one stays published while retired)."""

    def get(self, request, key_set: str):
        if key_set != ID_TOKEN_KEY_SET:
            raise ClientNotFound("The JSON Web Key Set could not be found.")
        return Response({"keys": keys.published_keys(key_set=key_set)})

    def post(self, request, key_set: str):
        if key_set != ID_TOKEN_KEY_SET:
            raise InvalidRequest(reason=f"Only the {ID_TOKEN_KEY_SET!r} key set is managed here.")
        body = body_object(request)
        if body.get("alg", "RS256") != "RS256" or body.get("use", "sig") != "sig":
            raise InvalidRequest(reason="Only RS256 signing keys (use 'sig') are supported.")
        row = keys.signing_key_rotate(key_set=key_set)
        return Response({"keys": [row.public_jwk]}, status=status.HTTP_201_CREATED)
