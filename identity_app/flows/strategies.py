"""The methods a flow can be completed with ("strategies" in Kratos): each contributes UI nodes
and checks a submission. Flows look them up here by their ``method`` value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from identity_app.models import Flow, Identity, Session


class LoginMethod(Protocol):
    method: str
    #: "first" factors sign in (aal1); "second" factors step a session up (aal2)
    factor: str

    def login_nodes(self, flow: Flow, *, identity: Identity | None) -> list[dict]: ...

    def available_for(self, identity: Identity) -> bool: ...

    def login(self, request: HttpRequest, flow: Flow, payload: dict, *, session: Session | None) -> Identity:
        """Check the submission and return the identity it proves; on failure put messages on
        ``flow.ui`` and raise :class:`identity_app.flows.base.FlowFailed`."""


class RegistrationMethod(Protocol):
    method: str

    def registration_nodes(self, flow: Flow) -> list[dict]: ...

    def register(self, request: HttpRequest, flow: Flow, payload: dict) -> Identity: ...


class SettingsMethod(Protocol):
    method: str

    def settings_nodes(self, flow: Flow, identity: Identity) -> list[dict]: ...

    def update(self, request: HttpRequest, flow: Flow, payload: dict, *, session: Session) -> str | None:
        """Apply the submission; put messages on ``flow.ui`` and raise ``FlowFailed`` when refused,
        or raise ``NeedsPrivilegedSession`` when the change needs a recent sign-in. Return
        ``"show_form"`` when nothing was saved yet (the user must look and confirm first)."""


_LOGIN: dict[str, LoginMethod] = {}
_REGISTRATION: dict[str, RegistrationMethod] = {}
_SETTINGS: dict[str, SettingsMethod] = {}


def register_login_method(method: LoginMethod) -> None:
    _LOGIN[method.method] = method


def register_registration_method(method: RegistrationMethod) -> None:
    _REGISTRATION[method.method] = method


def login_methods(factor: str | None = None) -> list[LoginMethod]:
    return [m for m in _LOGIN.values() if factor is None or m.factor == factor]


def login_method(name: str) -> LoginMethod | None:
    return _LOGIN.get(name)


def registration_methods() -> list[RegistrationMethod]:
    return list(_REGISTRATION.values())


def registration_method(name: str) -> RegistrationMethod | None:
    return _REGISTRATION.get(name)


def register_settings_method(method: SettingsMethod) -> None:
    _SETTINGS[method.method] = method


def settings_methods() -> list[SettingsMethod]:
    return list(_SETTINGS.values())


def settings_method(name: str) -> SettingsMethod | None:
    return _SETTINGS.get(name)
