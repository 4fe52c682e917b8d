"""The error flow: a browser whose self-service request failed is sent to a page that explains
it (``/error?id=``); the same error is readable as JSON at ``/self-service/errors?id=``.
See https://www.ory.sh/docs/kratos/self-service/flows/user-facing-errors.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from identity_app.models import SelfServiceError
from ory_platform.db import retrying
from ory_platform.errors import OryError


def is_browser_request(request: HttpRequest) -> bool:
    """Kratos' rule: a browser navigates (accepts HTML) and does not ask for JSON."""
    accept = request.headers.get("Accept", "")
    content_type = request.content_type or ""
    return "text/html" in accept and not content_type.startswith("application/json")


@retrying
def error_record(*, error: OryError) -> SelfServiceError:
    return SelfServiceError.objects.create(error=error.as_envelope()["error"])


def error_page_url(record: SelfServiceError) -> str:
    return f"{reverse('identity:error-page')}?{urlencode({'id': str(record.pk)})}"
