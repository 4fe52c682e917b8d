"""The WSGI handler's remembered URL resolution gives what Django's own resolution gives."""

from __future__ import annotations

import io
import json
from unittest import mock

import pytest
from django.test import RequestFactory, override_settings
from django.urls import Resolver404, get_resolver, set_urlconf

from ory_platform.handlers import LITERAL_MATCHES_MAX, PlatformWSGIHandler


@pytest.fixture
def handler():
    return PlatformWSGIHandler()


def _resolve(handler, path: str):
    request = RequestFactory().get(path)
    match = handler.resolve_request(request)
    assert request.resolver_match is match
    return match


def _count_root_resolutions():
    root = get_resolver()
    return mock.patch.object(root, "resolve", wraps=root.resolve)


def _same_match(ours, django):
    for attribute in ("func", "args", "kwargs", "url_name", "route", "app_names", "namespaces", "view_name"):
        assert getattr(ours, attribute) == getattr(django, attribute), attribute


def test_a_literal_path_is_resolved_once_and_matches_djangos_answer(handler):
    with _count_root_resolutions() as resolve:
        first = _resolve(handler, "/oauth2/token")
        second = _resolve(handler, "/oauth2/token")
        third = _resolve(handler, "/admin/oauth2/introspect")
    assert resolve.call_count == 2  # token once, introspect once
    django = get_resolver().resolve("/oauth2/token")
    _same_match(first, django)
    _same_match(second, django)
    assert second.view_name == "oauth2:token"
    assert third.url_name == "introspect"


def test_each_request_gets_its_own_match(handler):
    first = _resolve(handler, "/health/alive")
    second = _resolve(handler, "/health/alive")
    third = _resolve(handler, "/health/alive")
    assert second is not third
    second.kwargs["added_by_middleware"] = 1
    assert third.kwargs == {}
    assert first.kwargs == {}


def test_a_path_that_captures_values_is_resolved_every_time(handler):
    with _count_root_resolutions() as resolve:
        a = _resolve(handler, "/admin/clients/abc")
        b = _resolve(handler, "/admin/clients/def")
        c = _resolve(handler, "/admin/clients/abc")
    assert resolve.call_count == 3
    assert (a.kwargs, b.kwargs, c.kwargs) == ({"client_id": "abc"}, {"client_id": "def"}, {"client_id": "abc"})
    assert a is not c


def test_an_unknown_path_is_not_remembered(handler):
    with _count_root_resolutions() as resolve:
        for _ in range(2):
            with pytest.raises(Resolver404):
                _resolve(handler, "/no/such/path")
    assert resolve.call_count == 2
    assert handler._literal_matches == {}


def test_a_url_map_chosen_by_middleware_is_used(handler):
    request = RequestFactory().get("/admin/test-echo")
    request.urlconf = "tests.foundation.urls"
    try:
        match = handler.resolve_request(request)
    finally:
        set_urlconf(None)  # as Django's handler does when the response is done
    assert match.func.view_class.__name__ == "Echo"
    assert handler._literal_matches == {}
    with pytest.raises(Resolver404):  # the project's own map has no such path
        _resolve(handler, "/admin/test-echo")


def test_a_changed_url_map_is_not_answered_from_the_old_one(handler):
    with pytest.raises(Resolver404):
        _resolve(handler, "/admin/test-echo")
    _resolve(handler, "/health/alive")
    with override_settings(ROOT_URLCONF="tests.foundation.urls"):
        assert _resolve(handler, "/admin/test-echo").func.view_class.__name__ == "Echo"
    with pytest.raises(Resolver404):
        _resolve(handler, "/admin/test-echo")


def test_the_number_of_remembered_paths_is_bounded(handler):
    with mock.patch("ory_platform.handlers.LITERAL_MATCHES_MAX", 2):
        for path in ("/health/alive", "/health/ready", "/version"):
            _resolve(handler, path)
    assert len(handler._literal_matches) == 2
    assert LITERAL_MATCHES_MAX >= 256


def _serve(application, path: str) -> tuple[str, dict, bytes]:
    environ = RequestFactory().get(path).environ
    environ["wsgi.input"] = io.BytesIO(b"")
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.django_db
def test_the_served_application_answers_through_it():
    from ory_platform.wsgi import application

    assert isinstance(application, PlatformWSGIHandler)
    for _ in range(2):
        status, _, body = _serve(application, "/health/alive")
        assert status.startswith("200"), body
        status, headers, body = _serve(application, "/admin/no-such-endpoint")
        assert status.startswith("404")
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["error"]["code"] == 404
