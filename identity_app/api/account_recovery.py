"""Kratos' recovery and verification endpoints, public and admin."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from identity_app.api import responses
from identity_app.api.selfservice import FLOW_ID, FLOW_QUERY, FlowGet, SelfServiceView
from identity_app.flows import base
from identity_app.flows.base import FlowFailed, SessionAlreadyAvailable
from identity_app.flows.recovery import (
    RecoveryResult,
    code_entry_nodes,
    recovery_flow_create,
    recovery_flow_submit,
    recovery_link_redeem,
)
from identity_app.flows.verification import verification_flow_create, verification_flow_submit
from identity_app.models import Flow, Identity, OneTimeCode
from identity_app.representations import iso
from identity_app.services.codes import code_issue, flow_remember
from identity_app.throttling import Throttled
from ory_platform.drf import AdminAPIView
from ory_platform.durations import duration_seconds
from ory_platform.errors import BadRequest, NotFound, ory_error_response

# --- Recovery --------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class RecoveryApiInit(SelfServiceView):
    @extend_schema(operation_id="createNativeRecoveryFlow", tags=["frontend"], responses={200: dict})
    def get(self, request):
        flow = recovery_flow_create(
            request._request,
            flow_type=Flow.Type.API,
            return_to=request.GET.get("return_to", ""),
            session=self.session(request),
        )
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class RecoveryBrowserInit(SelfServiceView):
    @extend_schema(operation_id="createBrowserRecoveryFlow", tags=["frontend"], responses={200: dict, 303: None})
    def get(self, request):
        return_to = request.GET.get("return_to", "")
        try:
            flow = recovery_flow_create(
                request._request, flow_type=Flow.Type.BROWSER, return_to=return_to, session=self.session(request)
            )
        except SessionAlreadyAvailable as error:
            return responses.already_signed_in(request._request, error, base.validate_return_to(return_to))
        return responses.browser_flow_created(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class RecoveryFlowGet(FlowGet):
    kind = Flow.Kind.RECOVERY

    @extend_schema(operation_id="getRecoveryFlow", tags=["frontend"], parameters=[FLOW_ID], responses={200: dict})
    def get(self, request):
        return super().get(request)


def _recovered(request, flow: Flow, result: RecoveryResult) -> HttpResponse:
    if flow.type == Flow.Type.API:
        body = base.public_flow(result.flow)
        body["continue_with"] = result.continue_with
        return JsonResponse(body)
    settings_url = f"{settings.PUBLIC_URL}{base.flow_ui_url(result.settings_flow)}"
    if base.wants_json(request):
        response: HttpResponse = ory_error_response(base.BrowserLocationChangeRequired(settings_url))
    else:
        response = responses.SeeOther(base.flow_ui_url(result.settings_flow))
    responses.set_session_cookie(response, result.token, result.session)
    return response


@method_decorator(never_cache, name="dispatch")
class RecoverySubmit(SelfServiceView):
    @extend_schema(
        operation_id="updateRecoveryFlow",
        tags=["frontend"],
        parameters=[FLOW_QUERY],
        request=dict,
        responses={200: dict, 303: None, 400: dict, 410: dict, 422: dict},
    )
    def post(self, request):
        django_request = request._request
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.RECOVERY)
        payload = base.read_submission(django_request)

        def step() -> HttpResponse:
            result = recovery_flow_submit(django_request, flow, payload)
            if result is not None:
                return _recovered(django_request, flow, result)
            # A code or link was sent; the flow says so.
            if flow.type == Flow.Type.API or base.wants_json(django_request):
                return responses.flow_response(django_request, flow)
            return responses.SeeOther(base.flow_ui_url(flow))

        return responses.run_step(django_request, flow, step)

    @extend_schema(exclude=True)
    def get(self, request):
        """The link in a recovery e-mail: ``?flow=<id>&token=<token>``."""
        django_request = request._request
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.RECOVERY)
        token = request.GET.get("token", "")
        if not token:
            return responses.SeeOther(base.flow_ui_url(flow))
        try:
            result = recovery_link_redeem(django_request, flow, token)
        except FlowFailed as failure:
            return responses.SeeOther(base.flow_ui_url(failure.flow))
        except base.FlowExpired as expired:
            return responses.SeeOther(base.flow_ui_url(expired.replacement))
        except Throttled as throttled:
            return responses.throttled(django_request, flow, throttled)
        return _recovered(django_request, flow, result)


# --- Verification ----------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class VerificationApiInit(SelfServiceView):
    @extend_schema(operation_id="createNativeVerificationFlow", tags=["frontend"], responses={200: dict})
    def get(self, request):
        flow = verification_flow_create(
            request._request, flow_type=Flow.Type.API, return_to=request.GET.get("return_to", "")
        )
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class VerificationBrowserInit(SelfServiceView):
    @extend_schema(operation_id="createBrowserVerificationFlow", tags=["frontend"], responses={200: dict, 303: None})
    def get(self, request):
        flow = verification_flow_create(
            request._request, flow_type=Flow.Type.BROWSER, return_to=request.GET.get("return_to", "")
        )
        return responses.browser_flow_created(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class VerificationFlowGet(FlowGet):
    kind = Flow.Kind.VERIFICATION

    @extend_schema(operation_id="getVerificationFlow", tags=["frontend"], parameters=[FLOW_ID], responses={200: dict})
    def get(self, request):
        return super().get(request)


@method_decorator(never_cache, name="dispatch")
class VerificationSubmit(SelfServiceView):
    def _answer(self, django_request, flow: Flow, payload: dict, *, from_link: bool) -> HttpResponse:
        def step() -> HttpResponse:
            done = verification_flow_submit(django_request, flow, payload, from_link=from_link)
            if done.type == Flow.Type.API or base.wants_json(django_request):
                return responses.flow_response(django_request, done)
            return responses.SeeOther(base.flow_ui_url(done))

        return responses.run_step(django_request, flow, step)

    @extend_schema(
        operation_id="updateVerificationFlow",
        tags=["frontend"],
        parameters=[FLOW_QUERY],
        request=dict,
        responses={200: dict, 303: None, 400: dict, 410: dict},
    )
    def post(self, request):
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.VERIFICATION)
        return self._answer(request._request, flow, base.read_submission(request._request), from_link=False)

    @extend_schema(exclude=True)
    def get(self, request):
        """The link in a verification e-mail: ``?flow=<id>&code=<code>``."""
        flow = base.flow_get(request.GET.get("flow"), kind=Flow.Kind.VERIFICATION)
        code = request.GET.get("code", "")
        if not code:
            return responses.SeeOther(base.flow_ui_url(flow))
        payload = {"method": "code", "code": code}
        return self._answer(request._request, flow, payload, from_link=True)


# --- Admin: recovery codes and links ---------------------------------------------------------


def parse_duration(raw: str | None, *, default: int) -> int:
    """Go-style ``expires_in`` ("30m", "1h", "1h30m") in whole seconds."""
    if not raw:
        return default
    try:
        seconds = duration_seconds(raw.strip())
    except ValueError:
        raise BadRequest(reason=f"expires_in must look like 30m, 1h or 90s, got {raw!r}.") from None
    if not 1 <= seconds <= 7 * 24 * 3600:
        raise BadRequest(reason="expires_in must be between 1s and 168h.")
    return int(seconds)


class RecoveryRequestSerializer(serializers.Serializer):
    identity_id = serializers.UUIDField()
    expires_in = serializers.CharField(required=False, allow_blank=True)


def _admin_recovery(request, purpose: str):
    serializer = RecoveryRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
    serializer.is_valid(raise_exception=True)
    identity = Identity.objects.filter(pk=serializer.validated_data["identity_id"]).first()
    if identity is None:
        raise NotFound(reason="The requested identity could not be found.")
    address = identity.recovery_addresses.first()
    lifespan = parse_duration(serializer.validated_data.get("expires_in"), default=settings.IDENTITY_CODE_LIFESPAN)
    flow = recovery_flow_create(request._request, flow_type=Flow.Type.BROWSER)
    flow.expires_at = timezone.now() + timedelta(seconds=lifespan)
    flow.save(update_fields=["expires_at", "updated_at"])
    issued = code_issue(
        flow=flow, purpose=purpose, address=address.value if address else "", identity=identity, lifespan=lifespan
    )
    flow_remember(flow=flow, recovery_address=address.value if address else "")
    return flow, issued


class AdminRecoveryCode(AdminAPIView):
    @extend_schema(
        operation_id="createRecoveryCodeForIdentity",
        tags=["identity"],
        request=RecoveryRequestSerializer,
        responses={201: dict, 404: dict},
    )
    def post(self, request):
        flow, issued = _admin_recovery(request, OneTimeCode.Purpose.RECOVERY)
        # The recipient enters the code on this flow's page; nothing is e-mailed.
        flow.state = "sent_email"
        flow.ui["nodes"] = [flow.ui["nodes"][0], *code_entry_nodes()]
        base.flow_save(flow)
        return Response(
            {
                "recovery_code": issued.secret,
                "recovery_link": f"{settings.PUBLIC_URL}{base.flow_ui_url(flow)}",
                "expires_at": iso(issued.row.expires_at),
            },
            status=201,
        )


class AdminRecoveryLink(AdminAPIView):
    @extend_schema(
        operation_id="createRecoveryLinkForIdentity",
        tags=["identity"],
        request=RecoveryRequestSerializer,
        responses={200: dict, 404: dict},
    )
    def post(self, request):
        flow, issued = _admin_recovery(request, OneTimeCode.Purpose.RECOVERY_LINK)
        query = urlencode({"flow": str(flow.pk), "token": issued.secret})
        return Response(
            {
                "recovery_link": f"{settings.PUBLIC_URL}{reverse('identity:recovery-submit')}?{query}",
                "expires_at": iso(issued.row.expires_at),
            }
        )
