"""Kratos' settings flow endpoints."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema

from identity_app.api import responses
from identity_app.api.selfservice import FLOW_ID, FLOW_QUERY, FlowGet, SelfServiceView
from identity_app.flows import base
from identity_app.flows.settings import (
    NeedsPrivilegedSession,
    require_session,
    settings_flow_create,
    settings_flow_for,
    settings_flow_submit,
)
from identity_app.flows.settings_methods import AccountDeleted
from identity_app.models import Flow
from ory_platform.errors import ory_error_response


@method_decorator(never_cache, name="dispatch")
class SettingsApiInit(SelfServiceView):
    @extend_schema(operation_id="createNativeSettingsFlow", tags=["frontend"], responses={200: dict, 401: dict})
    def get(self, request):
        session = require_session(self.session(request))
        flow = settings_flow_create(request._request, flow_type=Flow.Type.API, session=session)
        return responses.flow_response(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class SettingsBrowserInit(SelfServiceView):
    @extend_schema(operation_id="createBrowserSettingsFlow", tags=["frontend"], responses={200: dict, 303: None})
    def get(self, request):
        return_to = request.GET.get("return_to", "")
        session = self.session(request)
        if session is None and not base.wants_json(request._request):
            back = reverse("identity:settings-page")
            return responses.SeeOther(f"{reverse('identity:login-browser-init')}?{urlencode({'return_to': back})}")
        flow = settings_flow_create(
            request._request, flow_type=Flow.Type.BROWSER, session=require_session(session), return_to=return_to
        )
        return responses.browser_flow_created(request._request, flow)


@method_decorator(never_cache, name="dispatch")
class SettingsFlowGet(FlowGet):
    kind = Flow.Kind.SETTINGS

    @extend_schema(operation_id="getSettingsFlow", tags=["frontend"], parameters=[FLOW_ID], responses={200: dict})
    def get(self, request):
        settings_flow_for(request.GET.get("id"), session=require_session(self.session(request)))
        return super().get(request)


@method_decorator([never_cache, sensitive_post_parameters("password", "csrf_token", "totp_code")], name="dispatch")
class SettingsSubmit(SelfServiceView):
    @extend_schema(
        operation_id="updateSettingsFlow",
        tags=["frontend"],
        parameters=[FLOW_QUERY],
        request=dict,
        responses={200: dict, 303: None, 400: dict, 403: dict, 410: dict},
    )
    def post(self, request):
        django_request = request._request
        session = require_session(self.session(request))
        flow = settings_flow_for(request.GET.get("flow"), session=session)
        payload = base.read_submission(django_request)
        wants_json = flow.type == Flow.Type.API or base.wants_json(django_request)

        def step() -> HttpResponse:
            try:
                done = settings_flow_submit(django_request, flow, payload, session=session)
            except AccountDeleted:
                response = HttpResponse(status=204) if wants_json else responses.SeeOther(reverse("identity:home"))
                responses.clear_session_cookie(response)
                return response
            except NeedsPrivilegedSession as needs:
                return ory_error_response(needs) if wants_json else responses.SeeOther(needs.redirect_browser_to)
            if wants_json:
                return responses.flow_response(django_request, done)
            return responses.SeeOther(done.return_to or base.flow_ui_url(done))

        return responses.run_step(django_request, flow, step)
