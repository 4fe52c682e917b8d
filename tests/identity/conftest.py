"""Identity fixtures: identities with passwords, signed-in clients, flow helpers."""

from __future__ import annotations

import re

import pytest

from identity_app.courier import courier_send_batch
from identity_app.models import Identity
from identity_app.services.identities import IdentityInput, PasswordInput, identity_create
from tests.conftest import sign_in

PASSWORD = "correct horse battery staple"


@pytest.fixture
def password() -> str:
    return PASSWORD


def make_identity(email: str = "ada@example.com", *, password: str = PASSWORD, **extra) -> Identity:
    traits = {"email": email, "name": {"first": "Ada", "last": "Lovelace"}}
    return identity_create(
        data=IdentityInput(schema_id="default", traits=traits, password=PasswordInput(password=password), **extra)
    )


@pytest.fixture
def ada(db) -> Identity:
    return make_identity()


@pytest.fixture
def signed_in(client, ada):
    sign_in(client, ada)
    return client


def csrf_token_of(flow_json: dict) -> str:
    for node in flow_json["ui"]["nodes"]:
        if node["attributes"].get("name") == "csrf_token":
            return node["attributes"].get("value", "")
    raise AssertionError("flow has no csrf_token node")


def csrf_from_page(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def node(flow_json: dict, name: str) -> dict:
    for item in flow_json["ui"]["nodes"]:
        if item["attributes"].get("name") == name:
            return item
    raise AssertionError(f"no node {name}")


def message_ids(flow_json: dict, name: str | None = None) -> list[int]:
    messages = flow_json["ui"]["messages"] if name is None else node(flow_json, name)["messages"]
    return [m["id"] for m in messages or []]


def deliver_mail() -> None:
    """Run the courier: inside a test's transaction the after-commit delivery never fires."""
    courier_send_batch()


def last_code(outbox, recipient: str) -> str:
    """The six-digit code in the newest e-mail to ``recipient`` (delivering queued mail first)."""
    deliver_mail()
    for email in reversed(outbox):
        if recipient in email.to:
            match = re.search(r"\b(\d{6})\b", email.body)
            assert match, email.body
            return match.group(1)
    raise AssertionError(f"no e-mail to {recipient}")


def last_link(outbox, recipient: str) -> str:
    deliver_mail()
    for email in reversed(outbox):
        if recipient in email.to:
            match = re.search(r"(https?://\S+/self-service/\S+)", email.body)
            assert match, email.body
            return match.group(1)
    raise AssertionError(f"no e-mail to {recipient}")
