"""The project's URLs plus ``/bench/ping``: the cheapest JSON answer the same stack can give."""

from django.http import JsonResponse
from django.urls import path

from ory_platform.urls import urlpatterns as project_urlpatterns


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping", ping), *project_urlpatterns]
