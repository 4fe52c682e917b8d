"""The WSGI handler gunicorn serves: Django's, with URL resolution remembered for literal paths.

Django resolves every request by walking the URL map in order: each ``include`` on the way
builds its own match objects and the list of patterns it tried. A path that reaches a view
through several includes (``/oauth2/token``, ``/admin/oauth2/introspect``, ``/userinfo``) paid
20 to 40 µs for that walk, a tenth of the whole request for an introspection or a Keto check.
A path that matched a view without capturing anything always resolves to that same view, so
the handler remembers the match by path and hands each request its own copy of it.
"""

from __future__ import annotations

from django.core.handlers.wsgi import WSGIHandler
from django.urls import ResolverMatch, get_resolver

# Literal paths are bounded by the URL map; the cap only guards against a catch-all pattern
# that matches without capturing (every path would then be a new entry).
LITERAL_MATCHES_MAX = 1024


class PlatformWSGIHandler(WSGIHandler):
    """``WSGIHandler`` whose ``resolve_request`` reuses the match of a literal path."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (resolver, path) → the match: ``get_resolver`` hands out a new resolver whenever the
        # URL caches are cleared (``ROOT_URLCONF`` overridden), so old entries are never used.
        self._literal_matches: dict[tuple, ResolverMatch] = {}

    def resolve_request(self, request) -> ResolverMatch:
        if hasattr(request, "urlconf"):  # a middleware chose a URL map for this request
            return super().resolve_request(request)
        resolver = get_resolver()
        key = (resolver, request.path_info)
        remembered = self._literal_matches.get(key)
        if remembered is None:
            match = resolver.resolve(request.path_info)
            if not match.args and not match.kwargs and len(self._literal_matches) < LITERAL_MATCHES_MAX:
                self._literal_matches[key] = match
        else:
            match = _copy(remembered)
        request.resolver_match = match
        return match


def _copy(match: ResolverMatch) -> ResolverMatch:
    """A match of its own for the request: middleware may add to ``kwargs`` before the view."""
    copy = ResolverMatch.__new__(ResolverMatch)
    copy.__dict__.update(match.__dict__)
    copy.args, copy.kwargs = (), {}
    return copy
