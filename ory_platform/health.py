"""Operational endpoints in Ory's shapes: liveness, readiness and version."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

_status = inline_serializer("healthStatus", {"status": serializers.CharField()})


_migrated = False


def _pending_migrations(alias: str = "default") -> int:
    """How many migrations are not applied yet. Once none are pending the answer is remembered:
    a running process does not see its schema roll back, and reading the migration graph on every
    probe would be wasted work."""
    global _migrated
    if _migrated:
        return 0
    executor = MigrationExecutor(connections[alias])
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrated = pending == 0
    return pending


class AliveView(APIView):
    """``GET /health/alive``: the process is up and serving HTTP. Touches no dependency."""

    authentication_classes: list = []

    @extend_schema(operation_id="isAlive", responses={200: _status}, tags=["metadata"])
    def get(self, request):
        return Response({"status": "ok"})


class ReadyView(APIView):
    """``GET /health/ready``: the database answers and every migration is applied (else 503)."""

    authentication_classes: list = []

    @extend_schema(operation_id="isReady", responses={200: _status, 503: None}, tags=["metadata"])
    def get(self, request):
        errors: dict[str, str] = {}
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
            pending = _pending_migrations()
            if pending:
                errors["database"] = f"{pending} migration(s) not applied"
        except DatabaseError:
            errors["database"] = "database unreachable"
        if errors:
            return Response({"errors": errors}, status=503)
        return Response({"status": "ok"})


class VersionView(APIView):
    """``GET /version``: the running release."""

    authentication_classes: list = []

    @extend_schema(
        operation_id="getVersion",
        responses={200: inline_serializer("version", {"version": serializers.CharField()})},
        tags=["metadata"],
    )
    def get(self, request):
        return Response({"version": settings.VERSION})
