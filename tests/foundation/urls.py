"""The project's URLs plus a few endpoints that exist only to exercise the error machinery."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from ory_platform.drf import AdminAPIView
from ory_platform.errors import Conflict
from ory_platform.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


class Echo(AdminAPIView):
    def get(self, request):
        return Response({"api_key": request.auth.name})

    def post(self, request):
        return Response({"received": request.data})


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("kaboom with password=hunter2")


class Throttled(APIView):
    def get(self, request):
        raise exceptions.Throttled(wait=7)


class Invalid(APIView):
    def post(self, request):
        raise exceptions.ValidationError({"traits": {"email": ["Enter a valid e-mail address."]}})


@require_POST
def form_only(request):
    return JsonResponse({"ok": True})


def raises_conflict(request):
    raise Conflict("That already exists.", reason="duplicate")


def plain_boom(request):
    raise ValueError("a bug")


urlpatterns = [
    path("admin/test-echo", Echo.as_view()),
    path("relation-tuples/test-boom", Boom.as_view()),
    path("self-service/test-throttled", Throttled.as_view()),
    path("self-service/test-invalid", Invalid.as_view()),
    path("self-service/test-form", form_only),
    path("self-service/test-conflict", raises_conflict),
    path("sessions/test-plain-boom", plain_boom),
    path("boom-html", plain_boom),
    *urlpatterns,
]
