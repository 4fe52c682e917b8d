"""The URL map: one host serving the three Ory services, the HTML UI, the console and ops.

See ARCHITECTURE.md ("URL map") for which app owns which prefix.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ory_platform import health

urlpatterns = [
    # The machine-to-machine APIs first: they take most requests and resolve in a few matches.
    # --- Keto: /relation-tuples..., /namespaces, /opl/syntax/check and /admin/relation-tuples ---
    path("", include("permissions_app.api.urls")),
    # --- OAuth2 / OpenID Connect (oauth2_app, Hydra's public and admin APIs) ---
    path("", include("oauth2_app.api.urls")),
    path("", include("oauth2_app.urls")),
    # --- Operations ---
    path("health/alive", health.AliveView.as_view(), name="health-alive"),
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),
    path("version", health.VersionView.as_view(), name="version"),
    path("api/schema", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    # --- Identities (identity_app, Kratos' public and admin APIs, and the HTML pages) ---
    path("", include("identity_app.urls")),
    path("console/", admin.site.urls),
]

handler400 = "ory_platform.error_views.bad_request"
handler403 = "ory_platform.error_views.permission_denied"
handler404 = "ory_platform.error_views.page_not_found"
handler500 = "ory_platform.error_views.server_error"
