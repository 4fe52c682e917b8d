"""Kratos' UI texts: stable numeric ids, English text, optional context.

Clients translate by id, so the ids and their meaning follow Kratos exactly
(https://www.ory.sh/docs/kratos/concepts/ui-messages).
"""

from __future__ import annotations

from typing import Any

INFO, ERROR, SUCCESS = "info", "error", "success"


def text(message_id: int, body: str, message_type: str = INFO, **context: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"id": message_id, "text": body, "type": message_type}
    if context:
        message["context"] = context
    return message


# --- Labels (meta.label) ---------------------------------------------------------------------
def label_password() -> dict:
    return text(1070001, "Password")


def label_generated(title: str, name: str) -> dict:
    return text(1070002, title, title=title, name=name)


def label_save() -> dict:
    return text(1070003, "Save")


def label_id() -> dict:
    return text(1070004, "ID")


def label_submit() -> dict:
    return text(1070005, "Submit")


def label_email() -> dict:
    return text(1070007, "Email")


def label_continue() -> dict:
    return text(1070009, "Continue")


def label_sign_in_with_password() -> dict:
    return text(1010022, "Sign in with password")


def label_sign_up() -> dict:
    return text(1040001, "Sign up")


# --- Flow-level information ------------------------------------------------------------------
def info_login_reauth() -> dict:
    return text(1010003, "Please confirm this action by verifying that it is you.")


def info_login_mfa() -> dict:
    return text(1010004, "Please complete the second authentication challenge.")


def info_logout() -> dict:
    return text(1020000, "You have been signed out.")


# --- Validation errors -----------------------------------------------------------------------
def error_generic(reason: str) -> dict:
    return text(4000001, reason, ERROR, reason=reason)


def error_required(property_name: str) -> dict:
    return text(4000002, f"Property {property_name} is missing.", ERROR, property=property_name)


def error_min_length(min_length: int, actual_length: int) -> dict:
    return text(
        4000003,
        f"length must be >= {min_length}, but got {actual_length}",
        ERROR,
        min_length=min_length,
        actual_length=actual_length,
    )


def error_invalid_format(pattern: str) -> dict:
    return text(4000004, f'does not match pattern "{pattern}"', ERROR, pattern=pattern)


def error_invalid_credentials() -> dict:
    return text(
        4000006,
        "The provided credentials are invalid, check for spelling mistakes in your password or username, "
        "email address, or phone number.",
        ERROR,
    )


def error_duplicate_credentials() -> dict:
    return text(4000007, "An account with the same identifier (email, phone, username, ...) exists already.", ERROR)


def error_max_length(max_length: int, actual_length: int) -> dict:
    return text(
        4000017,
        f"length must be <= {max_length}, but got {actual_length}",
        ERROR,
        max_length=max_length,
        actual_length=actual_length,
    )


def error_wrong_type(allowed: str, actual: str) -> dict:
    return text(4000026, f"expected {allowed}, but got {actual}", ERROR, expected_types=[allowed], actual_type=actual)


def error_const(expected: Any) -> dict:
    return text(4000029, f"must be equal to constant {expected!r}", ERROR, expected=expected)


def error_email(value: str) -> dict:
    return text(4000041, "Enter a valid email address", ERROR, value=value)


def error_identity_disabled() -> dict:
    return text(4010011, "This account has been disabled. Please contact support for assistance.", ERROR)


def error_login_flow_expired(minutes_ago: float) -> dict:
    return text(4010001, f"The login flow expired {minutes_ago:.2f} minutes ago, please try again.", ERROR)


def error_registration_flow_expired(minutes_ago: float) -> dict:
    return text(4040001, f"The registration flow expired {minutes_ago:.2f} minutes ago, please try again.", ERROR)


def error_no_login_strategy() -> dict:
    return text(4010002, "Could not find a strategy to log you in with. Did you fill out the form correctly?", ERROR)


def error_no_registration_strategy() -> dict:
    return text(4010003, "Could not find a strategy to sign you up with. Did you fill out the form correctly?", ERROR)


# --- Settings --------------------------------------------------------------------------------
def label_delete_confirm() -> dict:
    return label_generated("I understand that my account and everything in it will be deleted", "delete_confirm")


def label_delete_account() -> dict:
    return label_generated("Delete my account", "delete_account")


def info_settings_saved() -> dict:
    return text(1050001, "Your changes have been saved!", SUCCESS)


def error_settings_flow_expired(minutes_ago: float) -> dict:
    return text(4050001, f"The settings flow expired {minutes_ago:.2f} minutes ago, please try again.", ERROR)


def error_no_settings_strategy() -> dict:
    return text(
        4010004, "Could not find a strategy to update your settings. Did you fill out the form correctly?", ERROR
    )


# --- One-time codes, recovery, verification ---------------------------------------------------
def label_recovery_code() -> dict:
    return text(1070010, "Recovery code")


def label_verification_code() -> dict:
    return text(1070011, "Verification code")


def label_registration_code() -> dict:
    return text(1070012, "Registration code")


def label_login_code() -> dict:
    return text(1070013, "Login code")


def label_resend_code() -> dict:
    return text(1070008, "Resend code")


def label_send_login_code() -> dict:
    return text(1010015, "Send sign in code")


def label_send_registration_code() -> dict:
    return text(1040006, "Send sign up code")


def info_recovery_code_sent() -> dict:
    return text(
        1060003,
        "An email containing a recovery code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def info_recovery_link_sent() -> dict:
    return text(
        1060002,
        "An email containing a recovery link has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def info_recovery_successful(minutes_left: float) -> dict:
    return text(
        1060001,
        "You successfully recovered your account. Please change your password or set up an alternative login "
        f"method (e.g. social sign in) within the next {minutes_left:.2f} minutes.",
        privileged_session_expires_at_unix=None,
    )


def info_verification_code_sent() -> dict:
    return text(
        1080003,
        "An email containing a verification code has been sent to the email address you provided. If you have not "
        "received an email, check the spelling of the address and make sure to use the address you registered with.",
    )


def info_verification_successful() -> dict:
    return text(1080002, "You successfully verified your email address.", SUCCESS)


def info_login_code_sent() -> dict:
    return text(
        1010014,
        "A code was sent to the address you provided. If you didn't receive it, please check the spelling of the "
        "address and try again.",
    )


def info_registration_code_sent() -> dict:
    return text(
        1040005,
        "A code has been sent to the address(es) you provided. If you have not received a message, check the "
        "spelling of the address and retry the registration.",
    )


def error_recovery_code_invalid() -> dict:
    return text(4060006, "The recovery code is invalid or has already been used. Please try again.", ERROR)


def error_recovery_token_invalid() -> dict:
    return text(4060004, "The recovery token is invalid or has already been used. Please retry the flow.", ERROR)


def error_recovery_flow_expired(minutes_ago: float) -> dict:
    return text(4060005, f"The recovery flow expired {minutes_ago:.2f} minutes ago, please try again.", ERROR)


def error_verification_code_invalid() -> dict:
    return text(4070006, "The verification code is invalid or has already been used. Please try again.", ERROR)


def error_verification_flow_expired(minutes_ago: float) -> dict:
    return text(4070005, f"The verification flow expired {minutes_ago:.2f} minutes ago, please try again.", ERROR)


def error_login_code_invalid() -> dict:
    return text(4010008, "The login code is invalid or has already been used. Please try again.", ERROR)


def error_registration_code_invalid() -> dict:
    return text(4040003, "The registration code is invalid or has already been used. Please try again.", ERROR)


def error_submitted_too_often() -> dict:
    return text(4000001, "The request was submitted too often. Please request another code.", ERROR)


def error_no_recovery_strategy() -> dict:
    return text(
        4010005, "Could not find a strategy to recover your account with. Did you fill out the form correctly?", ERROR
    )


def error_no_verification_strategy() -> dict:
    return text(
        4010006, "Could not find a strategy to verify your account with. Did you fill out the form correctly?", ERROR
    )


# --- Throttling (the platform's own: Kratos has none) ------------------------------------------
def error_too_many_attempts(retry_after: int) -> dict:
    return text(
        4290001,
        f"Too many attempts. Please wait {retry_after} seconds before trying again.",
        ERROR,
        retry_after=retry_after,
    )


# --- Second factors and passkeys (TOTP, lookup codes, WebAuthn) -------------------------------
def label_verify_otp() -> dict:
    return text(1070006, "Verify code")


def info_login_totp_label() -> dict:
    return text(1010006, "Authentication code")


def info_login_lookup_label() -> dict:
    return text(1010007, "Backup recovery code")


def info_login_webauthn() -> dict:
    return text(1010008, "Sign in with a hardware key")


def info_login_totp() -> dict:
    return text(1010009, "Use Authenticator")


def info_login_lookup() -> dict:
    return text(1010010, "Use backup recovery code")


def info_login_passkey() -> dict:
    return text(1010021, "Sign in with passkey")


def info_settings_unlink_totp() -> dict:
    return text(1050004, "Unlink TOTP Authenticator App")


def info_settings_totp_qr() -> dict:
    return text(1050005, "Authenticator app QR code")


def info_settings_totp_secret(secret: str) -> dict:
    return text(1050006, secret, secret=secret)


def info_settings_reveal_lookup() -> dict:
    return text(1050007, "Reveal backup recovery codes")


def info_settings_regenerate_lookup() -> dict:
    return text(1050008, "Generate new backup recovery codes")


def info_settings_lookup_secret(code: str) -> dict:
    return text(1050009, code, secret=code)


def info_settings_lookup_secrets_label() -> dict:
    return text(1050010, "These are your back up recovery codes. Please keep them in a safe place!")


def info_settings_lookup_confirm() -> dict:
    return text(1050011, "Confirm backup recovery codes")


def info_settings_register_webauthn() -> dict:
    return text(1050012, "Add security key")


def info_settings_webauthn_display_name() -> dict:
    return text(1050013, "Name of the security key")


def info_settings_lookup_secret_used(used_at) -> dict:
    stamp = used_at.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
    return text(
        1050014,
        f"Secret was used at {stamp}",
        used_at=used_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        used_at_unix=int(used_at.timestamp()),
    )


def info_settings_lookup_secret_list(shown: list[str], secrets: list[dict]) -> dict:
    return text(1050015, ", ".join(shown), secrets=secrets)


def info_settings_disable_lookup() -> dict:
    return text(1050016, "Disable this method")


def info_settings_totp_secret_label() -> dict:
    return text(1050017, "This is your authenticator app secret. Use it if you can not scan the QR code.")


def _added(added_at) -> dict:
    return {"added_at": added_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "added_at_unix": int(added_at.timestamp())}


def info_settings_remove_webauthn(name: str, added_at) -> dict:
    return text(1050018, f'Remove security key "{name}"', display_name=name, **_added(added_at))


def info_settings_register_passkey() -> dict:
    return text(1050019, "Add passkey")


def info_settings_remove_passkey(name: str, added_at) -> dict:
    return text(1050020, f'Remove passkey "{name}"', display_name=name, **_added(added_at))


def error_totp_verifier_wrong() -> dict:
    return text(4000008, "The provided authentication code is invalid, please try again.", ERROR)


def error_identifier_missing() -> dict:
    return text(
        4000009,
        "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server "
        "misconfiguration.",
        ERROR,
    )


def error_no_totp_device() -> dict:
    return text(4000011, "You have no TOTP device set up.", ERROR)


def error_lookup_already_used() -> dict:
    return text(4000012, "This backup recovery code has already been used.", ERROR)


def error_no_webauthn_device() -> dict:
    return text(4000013, "You have no WebAuthn device set up.", ERROR)


def error_no_lookup() -> dict:
    return text(4000014, "You have no backup recovery codes set up.", ERROR)


def error_no_such_webauthn_user() -> dict:
    return text(4000015, "This account does not exist or has no security key set up.", ERROR)


def error_lookup_invalid() -> dict:
    return text(4000016, "The backup recovery code is not valid.", ERROR)


def error_webauthn_verifier_wrong() -> dict:
    return text(4000044, "The provided web authn login is invalid, please try again.", ERROR)
