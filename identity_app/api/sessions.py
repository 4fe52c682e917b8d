"""Kratos' session endpoints for the signed-in user (``/sessions``) and logout."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from identity_app.api import responses
from identity_app.api.selfservice import SelfServiceView
from identity_app.flows import aal, base
from identity_app.flows.base import NoActiveSession
from identity_app.models import Session
from identity_app.representations import session_json
from identity_app.selectors import identity_with_details
from identity_app.services.sessions import (
    session_logout_by_session_token,
    session_logout_token_issue,
    session_revoke,
    sessions_revoke_for_identity,
)
from identity_app.tokens import token_hash
from ory_platform.errors import BadRequest, Forbidden, NotFound
from ory_platform.pagination import link_header, paginate, parse_page_request


class SessionRequired(SelfServiceView):
    def current(self, request) -> Session:
        session = self.session(request)
        if session is None:
            raise NoActiveSession()
        return session


@method_decorator(never_cache, name="dispatch")
class WhoAmI(SessionRequired):
    @extend_schema(operation_id="toSession", tags=["frontend"], responses={200: dict, 401: dict})
    def get(self, request):
        session = self.current(request)
        identity_with_details(session.identity)
        aal.require_for_whoami(session)  # 403 session_aal2_required while a second factor is pending
        response = JsonResponse(session_json(session))
        response["X-Kratos-Authenticated-Identity-Id"] = str(session.identity_id)
        return response

    @extend_schema(exclude=True)
    def post(self, request):
        return self.get(request)


@method_decorator(never_cache, name="dispatch")
class MySessions(SessionRequired):
    @extend_schema(operation_id="listMySessions", tags=["frontend"], responses={200: dict})
    def get(self, request):
        current = self.current(request)
        page_request = parse_page_request(request.GET, default_size=250, max_size=1000)
        query = Session.objects.filter(identity_id=current.identity_id, active=True).exclude(pk=current.pk)
        page = paginate(query.prefetch_related("devices"), page_request)
        response = Response([session_json(s, with_identity=False) for s in page.items])
        response["Link"] = link_header(request._request, page, page_request.page_size)
        return response

    @extend_schema(operation_id="disableMyOtherSessions", tags=["frontend"], responses={200: dict})
    def delete(self, request):
        current = self.current(request)
        count = sessions_revoke_for_identity(identity_id=current.identity_id, except_session_id=current.pk)
        return Response({"count": count})


@method_decorator(never_cache, name="dispatch")
class MySession(SessionRequired):
    @extend_schema(operation_id="disableMySession", tags=["frontend"], responses={204: None})
    def delete(self, request, session_id):
        current = self.current(request)
        if str(current.pk) == str(session_id):
            raise BadRequest(reason="You can not revoke the session you are currently using; log out instead.")
        session_revoke(session_id=session_id, identity_id=current.identity_id)
        return HttpResponse(status=204)


@method_decorator(never_cache, name="dispatch")
class LogoutBrowserInit(SessionRequired):
    @extend_schema(operation_id="createBrowserLogoutFlow", tags=["frontend"], responses={200: dict, 401: dict})
    def get(self, request):
        session = self.current(request)
        if request._request.identity_session_source != "cookie":
            raise NoActiveSession("Logout URLs are for browsers: send the session cookie.")
        return_to = base.validate_return_to(request.GET.get("return_to", ""))
        token = session_logout_token_issue(session_id=session.pk)
        query = {"token": token, **({"return_to": return_to} if return_to else {})}
        logout_url = f"{settings.PUBLIC_URL}{reverse('identity:logout')}?{urlencode(query)}"
        return Response({"logout_url": logout_url, "logout_token": token})


@method_decorator(never_cache, name="dispatch")
class Logout(SelfServiceView):
    """Ends the browser session whose logout token is in the URL; the cookie must match it."""

    @extend_schema(operation_id="updateLogoutFlow", tags=["frontend"], responses={204: None, 303: None})
    def get(self, request):
        token = request.GET.get("token", "")
        if not token:
            raise BadRequest(reason="Please include a token in the URL query.")
        return_to = base.validate_return_to(request.GET.get("return_to", ""))
        session = self.session(request)
        if session is None:
            raise NoActiveSession()
        if not session.logout_token_hash or not hmac.compare_digest(session.logout_token_hash, token_hash(token)):
            raise Forbidden(
                reason="Unable to log out because the logout token in the URL query does not match the session cookie."
            )
        session_revoke(session_id=session.pk)
        if base.wants_json(request._request):
            response: HttpResponse = HttpResponse(status=204)
        else:
            response = responses.SeeOther(
                return_to or settings.IDENTITY_LOGOUT_RETURN_URL or reverse("identity:login-page")
            )
        responses.clear_session_cookie(response)
        return response


@method_decorator(never_cache, name="dispatch")
class LogoutApi(SelfServiceView):
    @extend_schema(operation_id="performNativeLogout", tags=["frontend"], request=dict, responses={204: None})
    def delete(self, request):
        payload = base.read_submission(request._request)
        session_token = payload.get("session_token")
        if not isinstance(session_token, str) or not session_token:
            raise BadRequest(reason="session_token is required.")
        try:
            session_logout_by_session_token(session_token=session_token)
        except NotFound:
            raise Forbidden(
                reason="The provided Ory Session Token could not be found, is invalid, or otherwise malformed."
            ) from None
        return HttpResponse(status=204)
