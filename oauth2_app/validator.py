"""The adapter between oauthlib and our data: django-oauth-toolkit's ``OAuth2Validator`` taught Hydra's rules.

oauthlib runs the protocol (RFC 6749, RFC 7636, RFC 8628, OpenID Connect Core) and asks this
class every question whose answer lives in the database. On top of django-oauth-toolkit it adds:

* clients with several grant and response types, per-client scopes and audiences, and the
  ``token_endpoint_auth_method`` they registered (RFC 7591 §2) enforced;
* opaque subjects (an identity id or any string an external login app chose) on every code and token;
* authorization codes stored hashed and redeemed once: the redemption is a conditional
  ``UPDATE``, so concurrent requests have one winner, and a replay revokes every token issued
  from the code (RFC 6749 §4.1.2, RFC 9700 §4.5);
* refresh-token rotation in which reuse of a rotated token revokes its family (RFC 9700 §4.14.2);
* single-use device codes (RFC 8628 §3.5) approved through the login/consent flow;
* ID tokens signed with our rotating RS256 key (``kid`` in the header) carrying the identity's
  claims by scope, the nonce, ``auth_time``, ``sid``, ``acr``/``amr``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.exceptions import FatalClientError
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.utils import scope_to_list

from oauth2_app import claims as oidc_claims
from oauth2_app import keys, lifespans
from oauth2_app.hashers import ClientSecretSHA256Hasher
from oauth2_app.models import AccessToken, AuthorizationCode, Client, DeviceGrant, IDToken, RefreshToken
from oauth2_app.models.clients import GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, GRANT_REFRESH_TOKEN
from oauth2_app.revocation import revoke_access_token, revoke_family, revoke_refresh_token
from ory_platform.db import retrying
from ory_platform.queries import new_row, raw_insert, raw_one_related, raw_one_shared, unique_row

OFFLINE_SCOPES = frozenset({"offline_access", "offline"})
_SECRET_HASHER = ClientSecretSHA256Hasher()
_SECRET_HASH_PREFIX = f"{ClientSecretSHA256Hasher.algorithm}$"


def secret_hash(value: str) -> str:
    """SHA-256 of a code or token: what is stored and looked up instead of the value."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class HydraValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with Hydra's clients, subjects, replay protection and keys."""

    # -- clients -------------------------------------------------------------------------------

    def _load_application(self, client_id, request):
        """One indexed read of the client, without the ORM's query compilation (every token request
        pays it); an unchanged row gives back the instance built last time, which nothing here modifies."""
        if request.client is not None and getattr(request.client, "client_id", None) == client_id:
            return request.client
        if not isinstance(client_id, str) or "\x00" in client_id:
            return None
        request.client = raw_one_shared(Client, "client_id = %s", [client_id])
        return request.client

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        """RFC 6749 §2.3.1, restricted to the method the client registered (RFC 7591 §2)."""
        used = "client_secret_basic" if self._extract_basic_auth(request) else "client_secret_post"
        authenticated = (
            self._authenticate_basic_auth(request)
            if used == "client_secret_basic"
            else self._authenticate_request_body(request)
        )
        if not authenticated or request.client is None:
            return False
        return request.client.token_endpoint_auth_method == used

    def _check_secret(self, provided_secret, stored_secret) -> bool:
        """Our own secrets' hash is checked by its hasher directly (Django's ``check_password``
        around it also looks up the preferred hasher to see whether to re-hash, which these
        secrets never are); anything else as django-oauth-toolkit does."""
        if isinstance(stored_secret, str) and stored_secret.startswith(_SECRET_HASH_PREFIX):
            try:
                return isinstance(provided_secret, str) and _SECRET_HASHER.verify(provided_secret, stored_secret)
            except ValueError:  # a malformed stored value matches nothing
                return False
        return super()._check_secret(provided_secret, stored_secret)

    def authenticate_client_id(self, client_id, request, *args, **kwargs) -> bool:
        client = self._load_application(client_id, request)
        return client is not None and client.is_public

    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        if self._extract_basic_auth(request) or getattr(request, "client_secret", None):
            return True
        client = self._load_application(request.client_id, request) if request.client_id else None
        return client is None or not client.is_public

    def is_pkce_required(self, client_id, request) -> bool:
        """Every client must use PKCE (RFC 9700 §2.1.1), unless ``OAUTH2_PKCE_ENFORCED=public``
        asks for Hydra's default: only public clients, which cannot keep a secret."""
        if settings.OAUTH2_PKCE_ENFORCED == "all":
            return True
        client = self._load_application(client_id, request) if client_id else None
        return client is None or client.is_public

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        return grant_type in (client.grant_types or [])

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs) -> bool:
        return (
            response_type == "code"
            and "code" in (client.response_types or [])
            and GRANT_AUTHORIZATION_CODE in (client.grant_types or [])
        )

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        return set(scopes) <= set(client.scopes)

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        return []

    def validate_silent_login(self, request) -> bool:
        return True  # prompt=none is decided by the login/consent flow (oauth2_app.flows)

    def validate_silent_authorization(self, request) -> bool:
        return True

    def validate_user_match(self, id_token_hint, scopes, claims, request) -> bool:
        return True  # id_token_hint is matched against the login session by the flow

    # -- authorization codes ---------------------------------------------------------------------

    def _code_row(self, code: str, request) -> AuthorizationCode | None:
        cached = getattr(request, "_authorization_code_row", None)
        if cached is not None and cached.code == secret_hash(code):
            return cached
        row = unique_row(AuthorizationCode.objects.select_related("flow", "user").filter(code=secret_hash(code)))
        request._authorization_code_row = row
        return row

    def save_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        flow = request.authorization_flow
        if request.code_challenge_method not in (None, "S256"):
            raise errors.InvalidRequestError(description="The code_challenge_method must be S256.", request=request)
        claims = request.claims if isinstance(request.claims, dict) else {}
        AuthorizationCode.objects.create(
            application=request.client,
            user=request.user,
            subject=flow.subject,
            flow=flow,
            code=secret_hash(code["code"]),
            expires=timezone.now() + timedelta(seconds=self._code_lifespan()),
            redirect_uri=request.redirect_uri,
            scope=" ".join(flow.granted_scope),
            audience=list(flow.granted_audience),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            nonce=request.nonce or "",
            claims=json.dumps(claims),
        )

    @staticmethod
    def _code_lifespan() -> int:
        from oauth2_provider.settings import oauth2_settings

        return oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request) -> list[str]:
        row = self._code_row(code, request)
        return scope_to_list(row.scope) if row and row.scope else []

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        row = self._code_row(code, request)
        return (row.nonce or None) if row else None

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        """Redeem the code: the first request to flip ``redeemed_at`` wins; any later one is a
        replay and revokes what the code produced (RFC 6749 §4.1.2)."""
        row = self._code_row(code, request)
        if row is None or row.application_id != client.pk:
            return False
        now = timezone.now()
        if row.redeemed_at is not None:
            revoke_family(row.family)
            return False
        if row.is_expired():
            return False
        if not row.code_challenge and request.code_verifier is not None:
            # A verifier for a code issued without a challenge: a PKCE downgrade (RFC 9700 §4.8.2).
            # Only possible where PKCE is not required of every client (OAUTH2_PKCE_ENFORCED).
            return False
        won = AuthorizationCode.objects.filter(pk=row.pk, redeemed_at__isnull=True).update(redeemed_at=now, updated=now)
        if not won:
            revoke_family(row.family)
            return False
        flow = row.flow
        request.scopes = scope_to_list(row.scope) or []
        request.user = row.user
        request.subject = row.subject
        request.token_family = row.family
        request.granted_audience = list(row.audience or [])
        request.authorization_flow = flow
        if row.nonce:
            request.nonce = row.nonce
        if row.claims:
            request.claims = json.loads(row.claims)
        return True

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs) -> bool:
        row = self._code_row(code, request)
        return row is not None and row.redirect_uri == redirect_uri

    def get_code_challenge(self, code, request):
        row = self._code_row(code, request)
        return (row.code_challenge or None) if row else None

    def get_code_challenge_method(self, code, request):
        row = self._code_row(code, request)
        return (row.code_challenge_method or None) if row else None

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        """Nothing left to do: :meth:`validate_code` already redeemed the code, atomically."""

    # -- device codes (RFC 8628) ----------------------------------------------------------------

    def validate_device_code(self, client_id, code, request, *args, **kwargs):
        row = unique_row(DeviceGrant.objects.select_related("flow").filter(device_code=secret_hash(code)))
        if row is None or row.client_id != client_id:
            return None
        now = timezone.now()
        if row.redeemed_at is not None:
            revoke_family(row.family)
            return None
        if row.status == DeviceGrant.EXPIRED or now >= row.expires:
            return "expired_token"
        if row.status == DeviceGrant.DENIED:
            return "access_denied"
        if row.status == DeviceGrant.AUTHORIZATION_PENDING:
            too_fast = row.last_checked and now - row.last_checked < timedelta(seconds=row.interval)
            DeviceGrant.objects.filter(pk=row.pk).update(last_checked=now)
            return "slow_down" if too_fast else "authorization_pending"
        won = DeviceGrant.objects.filter(pk=row.pk, redeemed_at__isnull=True).update(redeemed_at=now)
        if not won:
            revoke_family(row.family)
            return None
        flow = row.flow
        request.scopes = row.scope.split()
        request.user = row.user
        request.subject = row.subject
        request.token_family = row.family
        request.granted_audience = list(row.audience or [])
        request.authorization_flow = flow
        return "authorized"

    # -- refresh tokens -------------------------------------------------------------------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        """A revoked (rotated) token presented again means it leaked: revoke its whole family."""
        row = (
            RefreshToken.objects.select_related("access_token", "user")
            .filter(token_checksum=secret_hash(refresh_token))
            .order_by("-created")
            .first()
        )
        if row is None or row.application_id != client.pk:
            return False
        if row.revoked is not None:
            revoke_family(row.token_family)
            return False
        if row.access_token_id is None or (row.expires and row.expires <= timezone.now()):
            return False
        request.user = row.user
        request.subject = row.subject
        request.refresh_token = refresh_token
        request.refresh_token_instance = row
        request.token_family = row.token_family
        request.granted_audience = list(row.audience or [])
        request.session_extra = row.extra
        request.id_token_session_claims = row.id_token_claims
        request.login_session_id = row.login_session_id
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs) -> list[str]:
        return scope_to_list(request.refresh_token_instance.access_token.scope) or []

    def rotate_refresh_token(self, request) -> bool:
        return True

    # -- issuing tokens -------------------------------------------------------------------------

    def _may_issue_refresh_token(self, request) -> bool:
        """Hydra's rule: a refresh token only for the offline scopes and a client allowed the grant."""
        return GRANT_REFRESH_TOKEN in (request.client.grant_types or []) and bool(
            OFFLINE_SCOPES & set(request.scopes or [])
        )

    def _token_context(self, request) -> dict:
        flow = getattr(request, "authorization_flow", None)
        if request.grant_type == GRANT_CLIENT_CREDENTIALS:
            # Issued to the client itself: no subject is stored, and the client's id stands in for
            # it wherever one is shown (introspection's and userinfo's ``sub``), as in Hydra.
            return {"subject": None, "extra": {}, "id_token_claims": {}, "login_session_id": None}
        if flow is not None:
            return {
                "subject": getattr(request, "subject", "") or flow.subject,
                "extra": dict(flow.session_access_token or {}),
                "id_token_claims": dict(flow.session_id_token or {}),
                "login_session_id": flow.login_session_id,
            }
        return {
            "subject": getattr(request, "subject", ""),
            "extra": dict(getattr(request, "session_extra", None) or {}),
            "id_token_claims": dict(getattr(request, "id_token_session_claims", None) or {}),
            "login_session_id": getattr(request, "login_session_id", None),
        }

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Grants that redeem something run inside the token service's transaction
        # (oauth2_app.services.tokens). Client credentials comes here outside one, and saves
        # one access token (no refresh token, nothing rotated): a single INSERT.
        if connection.in_atomic_block:
            return self._save_bearer_token(token, request)
        if request.grant_type != GRANT_CLIENT_CREDENTIALS or "refresh_token" in token:
            return self._save_bearer_token_in_transaction(token, request)
        return self._save_access_token_alone(token, request)

    def _save_bearer_token(self, token, request, *args, **kwargs) -> None:
        if "scope" not in token:
            raise FatalClientError("Failed to renew access token: missing scope")
        if request.grant_type == GRANT_CLIENT_CREDENTIALS:
            request.user = None
        if "refresh_token" in token and not self._may_issue_refresh_token(request):
            del token["refresh_token"]
        now = timezone.now()
        expires = now + timedelta(seconds=token.get("expires_in", lifespans.access_token_expires_in(request)))
        previous = getattr(request, "refresh_token_instance", None)
        if previous is not None:
            # Rotation: the old refresh token is spent and the access token it paired retired.
            won = RefreshToken.objects.filter(pk=previous.pk, revoked__isnull=True).update(revoked=now, updated=now)
            if not won:
                raise errors.InvalidGrantError(description="The refresh token was already used.", request=request)
            AccessToken.objects.filter(pk=previous.access_token_id).delete()
        access_token = self._create_access_token(expires, request, token, source_refresh_token=previous)
        if "refresh_token" in token:
            self._create_refresh_token(request, token["refresh_token"], access_token, previous)

    _save_bearer_token_in_transaction = retrying(_save_bearer_token)
    _save_access_token_alone = retrying(_save_bearer_token, single_statement=True)

    def _create_access_token(self, expires, request, token, source_refresh_token=None) -> AccessToken:
        context = self._token_context(request)
        access_token = new_row(
            AccessToken,
            user_id=request.user.pk if request.user is not None else None,
            subject=context["subject"],
            scope=token["scope"],
            expires=expires,
            application_id=request.client.pk,
            source_refresh_token_id=source_refresh_token.pk if source_refresh_token is not None else None,
            family=getattr(request, "token_family", None),
            audience=list(getattr(request, "granted_audience", None) or []),
            extra=context["extra"],
            id_token_claims=context["id_token_claims"],
            login_session_id=context["login_session_id"],
        )
        self._set_token_value(access_token, token["access_token"])
        raw_insert(access_token)  # every token request pays this insert
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        family = getattr(request, "token_family", None) or uuid.uuid4()
        refresh_token = RefreshToken(
            user=request.user,
            subject=access_token.subject or "",
            application=request.client,
            access_token=access_token,
            token_family=family,
            audience=access_token.audience,
            extra=access_token.extra,
            id_token_claims=access_token.id_token_claims,
            login_session_id=access_token.login_session_id,
            expires=timezone.now()
            + timedelta(seconds=lifespans.lifespan(request.client, request.grant_type, "refresh_token")),
        )
        self._set_token_value(refresh_token, refresh_token_code)
        refresh_token.save()
        return refresh_token

    def _load_access_token(self, token):
        """The token by its checksum, with its client and identity, in one indexed read
        (userinfo and every bearer-protected request pay it)."""
        return raw_one_related(AccessToken, "t.token_checksum = %s", [secret_hash(token)], ("application", "user"))

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs) -> None:
        """RFC 7009: only the requesting client's tokens; a refresh token takes its family along."""
        if getattr(request.client, "pk", None) is None:
            return
        checksum = secret_hash(token)
        lookups = [
            AccessToken.objects.filter(token_checksum=checksum, application=request.client),
            RefreshToken.objects.filter(token_checksum=checksum, application=request.client),
        ]
        if token_type_hint == "refresh_token":
            lookups.reverse()
        for queryset in lookups:
            found = queryset.first()
            if isinstance(found, AccessToken):
                revoke_access_token(found)
                return
            if isinstance(found, RefreshToken):
                revoke_refresh_token(found)
                return

    # -- OpenID Connect -------------------------------------------------------------------------

    def get_oidc_issuer_endpoint(self, request) -> str:
        from oauth2_provider.settings import oauth2_settings

        return oauth2_settings.OIDC_ISS_ENDPOINT

    def finalize_id_token(self, id_token, token, token_handler, request) -> str:
        """Sign the ID token (OpenID Connect Core §2) with the active key; ``kid`` names it."""
        context = self._token_context(request)
        flow = getattr(request, "authorization_flow", None)
        now = timezone.now()
        expires_in = lifespans.lifespan(request.client, request.grant_type, "id_token")
        subject = context["subject"]
        identity = request.user if request.user is not None else oidc_claims.identity_for_subject(subject)
        body = oidc_claims.with_session_claims(
            oidc_claims.identity_claims(identity, request.scopes or []), context["id_token_claims"]
        )
        body.update(id_token)  # aud, iat, nonce, at_hash, c_hash from oauthlib
        body.update(
            {
                "iss": self.get_oidc_issuer_endpoint(request),
                "sub": subject,
                "aud": [request.client.client_id],
                "exp": int((now + timedelta(seconds=expires_in)).timestamp()),
                "iat": int(now.timestamp()),
                "jti": str(uuid.uuid4()),
            }
        )
        if "nonce" not in body and request.nonce:
            body["nonce"] = request.nonce
        if flow is not None:
            if flow.authenticated_at:
                body["auth_time"] = int(flow.authenticated_at.timestamp())
            if flow.acr:
                body["acr"] = flow.acr
            if flow.amr:
                body["amr"] = list(flow.amr)
        if context["login_session_id"]:
            body["sid"] = str(context["login_session_id"])
        kid, key = keys.signing_key_active()
        signed = jwt.JWT(header={"alg": "RS256", "kid": kid, "typ": "JWT"}, claims=body)
        signed.make_signed_token(key)
        IDToken.objects.create(
            user=request.user if isinstance(request.user, get_user_model()) else None,
            subject=subject,
            application=request.client,
            jti=body["jti"],
            scope=" ".join(request.scopes or []),
            expires=now + timedelta(seconds=expires_in),
        )
        return signed.serialize()

    def get_userinfo_claims(self, request) -> dict:
        access_token: AccessToken = request.access_token
        scopes = access_token.scope.split()
        subject = access_token.subject or access_token.application.client_id
        identity = access_token.user if str(access_token.user_id) == subject else None
        identity_claims = (
            oidc_claims.identity_claims(identity, scopes)
            if identity is not None
            else oidc_claims.subject_claims(subject, scopes)
        )
        claims = oidc_claims.with_session_claims(identity_claims, access_token.id_token_claims)
        claims["sub"] = subject
        return claims

    def _get_key_for_token(self, token):
        """Verify our own ID tokens (id_token_hint) with the published key named by ``kid``."""
        from jwcrypto import jws

        header = jws.JWS()
        header.deserialize(token)
        kid = header.jose_header.get("kid")
        return keys.public_key_for(kid) if kid else None
