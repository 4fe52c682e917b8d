"""Keto's paths, slash-less as Keto serves them (nothing here ends in "/", so Django's
``APPEND_SLASH`` never redirects them)."""

from django.urls import path

from permissions_app.api import views

app_name = "permissions_api"

urlpatterns = [
    path("relation-tuples", views.RelationTuplesView.as_view(), name="relation-tuples"),
    path("relation-tuples/check", views.CheckView.as_view(), name="check"),
    path("relation-tuples/check/openapi", views.CheckOpenApiView.as_view(), name="check-openapi"),
    path("relation-tuples/batch/check", views.BatchCheckView.as_view(), name="batch-check"),
    path("relation-tuples/expand", views.ExpandView.as_view(), name="expand"),
    path("namespaces", views.NamespacesView.as_view(), name="namespaces"),
    path("opl/syntax/check", views.OplSyntaxView.as_view(), name="opl-syntax-check"),
    path("admin/relation-tuples", views.AdminRelationTuplesView.as_view(), name="admin-relation-tuples"),
]
