"""The staff console: Django's admin site, entered through the platform's own sign-in.

There is one way to sign in: the identity login flow. The console's login page sends staff
there and back; a signed-in identity that is not staff is told so instead of looping. Staff with
a second factor must have used it (the assurance level ``/sessions/whoami`` demands): an aal1
session is sent on to the second-factor login first.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from identity_app.selectors import session_step_up_url


class ConsoleSite(admin.AdminSite):
    site_header = "Ory Platform console"
    site_title = "Ory Platform console"
    index_title = "Identities, OAuth2 clients, permissions"

    def _next(self, request: HttpRequest) -> str:
        target = request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
            return target
        return reverse("admin:index", current_app=self.name)

    def _step_up(self, request: HttpRequest, target: str) -> str | None:
        """Where the staff member's session must step up before entering, or ``None``; worked out
        once per request (the admin asks ``has_permission`` several times while rendering a page)."""
        if not hasattr(request, "_console_step_up"):
            session = getattr(request, "identity_session", None)
            request._console_step_up = (
                None if session is None else session_step_up_url(session, return_to=f"{settings.PUBLIC_URL}{target}")
            )
        return request._console_step_up

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and self._step_up(request, self._next(request)) is None

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        target = self._next(request)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(target)
            step_up = self._step_up(request, target) if super().has_permission(request) else None
            if step_up is not None:
                return redirect(step_up)
            context = {**self.each_context(request), "title": "No access", "target": target}
            return TemplateResponse(request, "admin/no_access.html", context, status=403)
        return redirect(f"{reverse('identity:login-page')}?{urlencode({'return_to': target})}")

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("identity:logout-page")
