"""Ory's keyset pagination: ``page_size`` + opaque ``page_token`` in, a ``Link`` header out.

Items are ordered by primary key (UUIDs), and a page token names the last key of the previous
page, so every item appears exactly once however the collection changes between requests, and
no page costs an ``OFFSET`` scan. See https://www.ory.sh/docs/ecosystem/api-design#pagination.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest

from ory_platform.errors import BadRequest


@dataclass(frozen=True)
class PageRequest:
    page_size: int
    after: uuid.UUID | None


@dataclass(frozen=True)
class Page:
    items: list
    next_token: str  # "" on the last page


def encode_token(last_id: uuid.UUID) -> str:
    raw = json.dumps({"k": str(last_id)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> uuid.UUID:
    try:
        padded = token + "=" * (-len(token) % 4)
        return uuid.UUID(json.loads(base64.urlsafe_b64decode(padded.encode()))["k"])
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise BadRequest(reason="The page_token is malformed.", error_id="bad_request") from None


def parse_page_request(params, *, default_size: int = 250, max_size: int = 1000) -> PageRequest:
    """Read ``page_size`` (1..max_size) and ``page_token`` from query parameters."""
    raw_size = params.get("page_size")
    if raw_size in (None, ""):
        page_size = default_size
    else:
        try:
            page_size = int(raw_size)
        except (TypeError, ValueError):
            raise BadRequest(reason="page_size must be an integer.") from None
        if not 1 <= page_size <= max_size:
            raise BadRequest(reason=f"page_size must be between 1 and {max_size}.")
    token = params.get("page_token") or ""
    return PageRequest(page_size=page_size, after=decode_token(token) if token else None)


def paginate(queryset: QuerySet, page: PageRequest) -> Page:
    """One page of ``queryset`` in primary-key order; reads ``page_size + 1`` rows at most."""
    rows = queryset.order_by("pk")
    if page.after is not None:
        rows = rows.filter(pk__gt=page.after)
    items = list(rows[: page.page_size + 1])
    if len(items) > page.page_size:
        items = items[: page.page_size]
        return Page(items=items, next_token=encode_token(items[-1].pk))
    return Page(items=items, next_token="")


def link_header(request: HttpRequest, page: Page, page_size: int) -> str:
    """The ``Link`` header: ``first`` always, ``next`` when there is another page."""
    base = request.path
    other = {k: v for k, v in request.GET.items() if k not in ("page_size", "page_token")}

    def url(token: str) -> str:
        return f"{base}?{urlencode({**other, 'page_size': page_size, 'page_token': token})}"

    links = [f'<{url("")}>; rel="first"']
    if page.next_token:
        links.append(f'<{url(page.next_token)}>; rel="next"')
    return ",".join(links)
