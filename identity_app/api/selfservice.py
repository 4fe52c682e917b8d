"""Kratos' self-service endpoints for login and registration, for browsers and native apps.

Thin views: read the request, call the flow module, answer through :mod:`identity_app.api.responses`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from identity_app.api import responses
from identity_app.flows import aal, base
from identity_app.flows.base import SessionAlreadyAvailable
from identity_app.flows.errors import error_page_url, error_record, is_browser_request
from identity_app.flows.login import LoginResult, login_flow_create, login_flow_submit
from identity_app.flows.registration import registration_flow_create, registration_flow_submit
from identity_app.models import Flow
from identity_app.representations import identity_json, session_json
from identity_app.selectors import identity_with_details
from ory_platform.drf import FirstRendererNegotiation
from ory_platform.errors import Gone, OryError, ory_error_response

FLOW_ID = OpenApiParameter("id", str, OpenApiParameter.QUERY, required=True, description="The flow's id.")
FLOW_QUERY = OpenApiParameter("flow", str, OpenApiParameter.QUERY, required=True, description="The flow's id.")


class SelfServiceView(APIView):
    """Self-service endpoints authenticate by the identity session (middleware) and do their own
    CSRF checks (Kratos' ``csrf_token``), so DRF's authentication and negotiation stay out.

    A browser that hits an error here is sent to the error page; apps get the Ory envelope."""

    authentication_classes: list = []
    content_negotiation_class = FirstRendererNegotiation

    def session(self, request):
        return getattr(request._request, "identity_session", None)

    def handle_exception(self, exc):
        if isinstance(exc, OryError) and is_browser_request(self.request._request):
            return responses.SeeOther(error_page_url(error_record(error=exc)))
        return super().handle_exception(exc)


def _flag(request, name: str) -> bool:
    return request.GET.get(name, "").lower() in ("true", "1")


# --- Login -----------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class LoginApiInit(SelfServiceView):
    @extend_schema(operation_id="createNativeLoginFlow", tags=["frontend"], responses={200: dict})
    def get(self, request):
        flow = login_flow_create(
            request._request,
            flow_type=Flow.Type.API,
            refresh=_flag(request, "refresh"),
            aal=request.GET.get("aal", ""),
            return_to=request.GET.get("return_to", ""),
            session=self.session(request),
        )
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class LoginBrowserInit(SelfServiceView):
    @extend_schema(operation_id="createBrowserLoginFlow", tags=["frontend"], responses={200: dict, 303: None})
    def get(self, request):
        return_to = request.GET.get("return_to", "")
        try:
            flow = login_flow_create(
                request._request,
                flow_type=Flow.Type.BROWSER,
                refresh=_flag(request, "refresh"),
                aal=request.GET.get("aal", ""),
                return_to=return_to,
                login_challenge=request.GET.get("login_challenge", ""),
                session=self.session(request),
            )
        except SessionAlreadyAvailable as error:
            return responses.already_signed_in(request._request, error, base.validate_return_to(return_to))
        return responses.browser_flow_created(request._request, flow)


class FlowGet(SelfServiceView):
    kind = ""

    def get(self, request):
        flow = base.flow_get(request.GET.get("id"), kind=self.kind)
        if base.is_expired(flow):
            init = reverse(f"identity:{self.kind}-{flow.type}-init")
            raise Gone(
                error_id="self_service_flow_expired",
                reason=f"The {self.kind} flow has expired. Redirect the user to the {self.kind} flow init endpoint "
                f"to initialize a new {self.kind} flow.",
                details={"redirect_to": f"{settings.PUBLIC_URL}{init}"},
            )
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class LoginFlowGet(FlowGet):
    kind = Flow.Kind.LOGIN

    @extend_schema(operation_id="getLoginFlow", tags=["frontend"], parameters=[FLOW_ID], responses={200: dict})
    def get(self, request):
        return super().get(request)


def _login_success(request, flow: Flow, result: LoginResult) -> HttpResponse:
    identity_with_details(result.session.identity)
    # An identity with a second factor goes on to it before the session counts (Kratos' checkAAL).
    step_up = aal.step_up_after_login(result.session, flow)
    if flow.type == Flow.Type.API:
        body = {"session": session_json(result.session, with_identity=not step_up)}
        if result.token:
            body["session_token"] = result.token
            body["continue_with"] = [{"action": "set_ory_session_token", "ory_session_token": result.token}]
        return JsonResponse(body)
    if step_up and base.wants_json(request):
        response: HttpResponse = ory_error_response(base.BrowserLocationChangeRequired(step_up))
    elif base.wants_json(request):
        response = JsonResponse({"session": session_json(result.session)})
    else:
        response = responses.SeeOther(step_up or flow.return_to or base.default_return_url())
    if result.token:
        responses.set_session_cookie(response, result.token, result.session)
    return response


@method_decorator(
    [never_cache, sensitive_post_parameters("password", "csrf_token", "totp_code", "lookup_secret")], name="dispatch"
)
class LoginSubmit(SelfServiceView):
    @extend_schema(
        operation_id="updateLoginFlow",
        tags=["frontend"],
        parameters=[FLOW_QUERY],
        request=dict,
        responses={200: dict, 303: None, 400: dict, 410: dict},
    )
    def post(self, request):
        django_request = request._request
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.LOGIN)
        payload = base.read_submission(django_request)
        session = self.session(request)
        return responses.run_step(
            django_request,
            flow,
            lambda: _login_success(
                django_request, flow, login_flow_submit(django_request, flow, payload, session=session)
            ),
        )


# --- Registration ----------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class RegistrationApiInit(SelfServiceView):
    @extend_schema(operation_id="createNativeRegistrationFlow", tags=["frontend"], responses={200: dict})
    def get(self, request):
        flow = registration_flow_create(
            request._request,
            flow_type=Flow.Type.API,
            return_to=request.GET.get("return_to", ""),
            schema_id=request.GET.get("identity_schema", ""),
            session=self.session(request),
        )
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class RegistrationBrowserInit(SelfServiceView):
    @extend_schema(operation_id="createBrowserRegistrationFlow", tags=["frontend"], responses={200: dict, 303: None})
    def get(self, request):
        return_to = request.GET.get("return_to", "")
        try:
            flow = registration_flow_create(
                request._request,
                flow_type=Flow.Type.BROWSER,
                return_to=return_to,
                login_challenge=request.GET.get("login_challenge", ""),
                schema_id=request.GET.get("identity_schema", ""),
                session=self.session(request),
            )
        except SessionAlreadyAvailable as error:
            return responses.already_signed_in(request._request, error, base.validate_return_to(return_to))
        return responses.browser_flow_created(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class RegistrationFlowGet(FlowGet):
    kind = Flow.Kind.REGISTRATION

    @extend_schema(operation_id="getRegistrationFlow", tags=["frontend"], parameters=[FLOW_ID], responses={200: dict})
    def get(self, request):
        return super().get(request)


@method_decorator([never_cache, sensitive_post_parameters("password", "csrf_token")], name="dispatch")
class RegistrationSubmit(SelfServiceView):
    @extend_schema(
        operation_id="updateRegistrationFlow",
        tags=["frontend"],
        parameters=[FLOW_QUERY],
        request=dict,
        responses={200: dict, 303: None, 400: dict, 410: dict},
    )
    def post(self, request):
        django_request = request._request
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.REGISTRATION)
        payload = base.read_submission(django_request)
        session = self.session(request)
        return responses.run_step(
            django_request,
            flow,
            lambda: _registered(
                django_request, flow, registration_flow_submit(django_request, flow, payload, session=session)
            ),
        )


def _registered(django_request, flow: Flow, result) -> HttpResponse:
    if flow.type == Flow.Type.API or base.wants_json(django_request):
        body = {"identity": identity_json(result.identity)}
        if result.session is not None:
            body["session"] = session_json(result.session)
        if result.token and flow.type == Flow.Type.API:
            body["session_token"] = result.token
        if result.continue_with:
            body["continue_with"] = result.continue_with
        response: HttpResponse = JsonResponse(body)
    else:
        response = responses.SeeOther(flow.return_to or base.default_return_url())
    if flow.type == Flow.Type.BROWSER and result.token:
        responses.set_session_cookie(response, result.token, result.session)
    return response
