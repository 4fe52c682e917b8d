"""Staff console for OAuth2: clients (secret shown once, rotate action), consent sessions, tokens, signing keys.

Every change goes through the same services as the admin API; tokens and secrets are never shown
after they were issued (they are stored hashed anyway).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from oauth2_app import keys
from oauth2_app.models import (
    AccessToken,
    AuthorizationCode,
    Client,
    ConsentSession,
    DeviceGrant,
    FlowState,
    IDToken,
    RefreshToken,
    SigningKey,
)
from oauth2_app.models.clients import SUPPORTED_GRANT_TYPES
from oauth2_app.services import challenges, clients, tokens
from ory_platform.errors import OryError

# django-oauth-toolkit registers its own pages for our swapped models; ours replace them.
for _model in (Client, AccessToken, RefreshToken, IDToken, AuthorizationCode, DeviceGrant):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ClientCreationForm(forms.ModelForm):
    """The fields a person sets when registering a client; everything else has Hydra's defaults."""

    redirect_uris_text = forms.CharField(
        label="Redirect URIs", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    grant_types_choice = forms.MultipleChoiceField(
        label="Grant types",
        choices=[(grant, grant) for grant in SUPPORTED_GRANT_TYPES],
        initial=["authorization_code", "refresh_token"],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Client
        fields = ["name", "token_endpoint_auth_method", "scope", "owner", "logo_uri", "skip_consent"]

    def clean(self):
        cleaned = super().clean()
        metadata = {
            "client_name": cleaned.get("name", ""),
            "redirect_uris": (cleaned.get("redirect_uris_text") or "").split(),
            "grant_types": cleaned.get("grant_types_choice") or [],
            "token_endpoint_auth_method": cleaned.get("token_endpoint_auth_method"),
            "scope": cleaned.get("scope") or None,
            "owner": cleaned.get("owner", ""),
            "logo_uri": cleaned.get("logo_uri", ""),
            "skip_consent": bool(cleaned.get("skip_consent")),
        }
        from oauth2_app.client_metadata import validate_client_metadata

        try:
            validate_client_metadata(metadata, secret_required=True)
        except OryError as error:
            raise forms.ValidationError(error.reason or error.message) from error
        self.metadata = metadata
        return cleaned


def _secret_page(request, model_admin, client: Client, secret: str, title: str) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "client": client,
        "secret": secret,
        "opts": model_admin.opts,
    }
    return TemplateResponse(request, "admin/oauth2_app/client/secret.html", context)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client_id", "token_endpoint_auth_method", "owner", "skip_consent", "created"]
    list_filter = ["token_endpoint_auth_method", "skip_consent"]
    search_fields = ["name", "client_id", "owner"]
    actions = ["rotate_secret"]
    readonly_fields = [
        "client_id",
        "name",
        "redirect_uris",
        "grant_types",
        "response_types",
        "scope",
        "audience",
        "token_endpoint_auth_method",
        "skip_consent",
        "skip_logout_consent",
        "owner",
        "metadata",
        "contacts",
        "client_uri",
        "logo_uri",
        "policy_uri",
        "tos_uri",
        "post_logout_redirect_uris",
        "backchannel_logout_uri",
        "backchannel_logout_session_required",
        "frontchannel_logout_uri",
        "frontchannel_logout_session_required",
        "allowed_origins",
        "token_lifespans",
        "created",
        "updated",
    ]
    fields = readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ClientCreationForm
            kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "name",
                "redirect_uris_text",
                "grant_types_choice",
                "token_endpoint_auth_method",
                "scope",
                "owner",
                "logo_uri",
                "skip_consent",
            ]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        client, secret = clients.client_create(metadata=form.metadata)
        for field in Client._meta.concrete_fields:
            setattr(obj, field.attname, getattr(client, field.attname))
        obj._state.adding = False
        obj._state.db = client._state.db
        request.issued_client_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "issued_client_secret", None)
        if not secret:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(request, self, obj, secret, f"Client {obj} registered")

    def delete_model(self, request, obj):
        clients.client_delete(client_id=obj.client_id)

    def delete_queryset(self, request, queryset):
        for client in queryset:
            clients.client_delete(client_id=client.client_id)

    @admin.action(description="Rotate the secret of the selected client", permissions=["change"])
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one client to rotate its secret.", messages.WARNING)
            return None
        try:
            client, secret = clients.client_secret_rotate(client_id=queryset.get().client_id)
        except OryError as error:
            self.message_user(request, error.reason or error.message, messages.ERROR)
            return None
        return _secret_page(request, self, client, secret, f"New secret for {client}")


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentSession)
class ConsentSessionAdmin(_ReadOnlyAdmin):
    list_display = ["subject", "client", "granted_scope", "consent_remember", "consent_handled_at"]
    search_fields = ["subject", "client__client_id", "client__name"]
    actions = ["revoke"]
    fields = [
        "subject",
        "client",
        "granted_scope",
        "granted_audience",
        "consent_remember",
        "consent_remember_for",
        "consent_handled_at",
        "amr",
        "acr",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("client")
            .filter(state=FlowState.CONSENT_USED, consent_error__isnull=True, consent_revoked_at__isnull=True)
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.action(description="Revoke the selected consents and their tokens")
    def revoke(self, request, queryset):
        for flow in queryset:
            challenges.consent_sessions_revoke(consent_request_id=flow.pk)
        self.message_user(request, f"Revoked {len(queryset)} consent session(s).", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {name: action for name, action in actions.items() if name != "delete_selected"}


@admin.register(AccessToken)
class AccessTokenAdmin(_ReadOnlyAdmin):
    list_display = ["id", "subject", "application", "scope", "expires", "created"]
    list_filter = ["application"]
    search_fields = ["subject", "application__client_id"]
    fields = ["subject", "application", "scope", "audience", "expires", "created", "family"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected access tokens (and their refresh tokens)")
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.access_token_revoke(access_token_id=token.pk)
        self.message_user(request, f"Revoked {len(queryset)} access token(s).", messages.SUCCESS)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(RefreshToken)
class RefreshTokenAdmin(_ReadOnlyAdmin):
    list_display = ["id", "subject", "application", "created", "expires", "revoked"]
    list_filter = ["application", ("revoked", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "application__client_id"]
    fields = ["subject", "application", "token_family", "created", "expires", "revoked"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected refresh tokens (and every token of their family)")
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.refresh_token_revoke(refresh_token_id=token.pk)
        self.message_user(request, f"Revoked {len(queryset)} refresh token famil(ies).", messages.SUCCESS)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff


@admin.register(SigningKey)
class SigningKeyAdmin(_ReadOnlyAdmin):
    list_display = ["kid", "key_set", "algorithm", "state", "created_at", "retired_at", "publish_until"]
    list_filter = ["state"]
    fields = ["kid", "key_set", "algorithm", "state", "public_jwk", "created_at", "retired_at", "publish_until"]
    actions = ["rotate"]

    @admin.action(description="Rotate: make a new active signing key (the current one is retired)")
    def rotate(self, request, queryset):
        key = keys.signing_key_rotate()
        self.message_user(request, f"New active signing key {key.kid}.", messages.SUCCESS)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff
