"""``GET /.well-known/ory/webauthn.js``: the script the self-service pages need for WebAuthn."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from identity_app.relying_party import script_bytes


@require_GET
@cache_control(public=True, max_age=3600)
def webauthn_javascript(request: HttpRequest) -> HttpResponse:
    """Kratos' ``getWebAuthnJavaScript``. Same origin as the pages, so ``script-src 'self'`` allows it;
    the nodes that load it pin its content with subresource integrity."""
    return HttpResponse(script_bytes(), content_type="text/javascript; charset=utf-8")
