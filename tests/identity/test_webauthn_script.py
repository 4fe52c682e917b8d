"""webauthn.js itself, run by Node against a fake DOM and WebAuthn API: it decodes the options the
flow carries, encodes the authenticator's answer, fills the hidden field and submits the form."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from identity_app.relying_party import SCRIPT_FILE

HARNESS = Path(__file__).parent / "js" / "webauthn_harness.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run webauthn.js")


def click(trigger: str, options: dict) -> dict:
    completed = subprocess.run(
        [NODE, str(HARNESS), str(SCRIPT_FILE), trigger, json.dumps(options)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(completed.stdout)


def test_security_key_registration_is_submitted_as_kratos_expects():
    options = {
        "publicKey": {
            "challenge": "AQID",
            "user": {"id": "BAUG", "name": "ada"},
            "excludeCredentials": [{"id": "BwgJ", "type": "public-key"}],
        }
    }
    result = click("webauthn_register_trigger", options)
    assert result["challenge"] == [1, 2, 3] and result["user_id"] == [4, 5, 6] and result["listed"] == [[7, 8, 9]]
    answer = json.loads(result["submitted"]["webauthn_register"])
    assert answer == {
        "id": "AQL_",
        "rawId": "AQL_",
        "type": "public-key",
        "response": {"attestationObject": "CQ", "clientDataJSON": "Bw", "transports": ["usb"]},
    }


def test_passkey_login_reads_the_challenge_node_and_sends_the_user_handle():
    result = click("passkey_login_trigger", {"publicKey": {"challenge": "_-8", "allowCredentials": []}})
    assert result["challenge"] == [255, 239]
    answer = json.loads(result["submitted"]["passkey_login"])
    assert answer["response"] == {
        "authenticatorData": "BQ",
        "clientDataJSON": "Bg",
        "signature": "CA",
        "userHandle": "BAI",
    }


@pytest.mark.parametrize("trigger", ["webauthn_login_trigger", "passkey_register_trigger"])
def test_every_trigger_the_flows_use_submits_its_form(trigger):
    options = {"publicKey": {"challenge": "AQID", "user": {"id": "BAUG", "name": "ada"}, "allowCredentials": []}}
    result = click(trigger, options)
    assert result["submitted"] is not None and result["challenge"] == [1, 2, 3]
