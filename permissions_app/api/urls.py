"""Keto's paths, slash-less as Keto serves them (nothing here ends in "/", so Django's
``APPEND_SLASH`` never redirects them)."""

from django.urls import include, path

from permissions_app.api import views

app_name = "permissions_api"

# Routes are grouped by their first path segment, so a request walks only its group's patterns.
urlpatterns = [
    path(
        "relation-tuples/",
        include(
            [
                path("check", views.CheckView.as_view(), name="check"),
                path("check/openapi", views.CheckOpenApiView.as_view(), name="check-openapi"),
                path("batch/check", views.BatchCheckView.as_view(), name="batch-check"),
                path("expand", views.ExpandView.as_view(), name="expand"),
            ]
        ),
    ),
    path("relation-tuples", views.RelationTuplesView.as_view(), name="relation-tuples"),
    path("namespaces", views.NamespacesView.as_view(), name="namespaces"),
    path("opl/syntax/check", views.OplSyntaxView.as_view(), name="opl-syntax-check"),
    path("admin/relation-tuples", views.AdminRelationTuplesView.as_view(), name="admin-relation-tuples"),
]
