"""Creates what the OAuth2 benchmark needs, through the real services and endpoints; prints it as JSON."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.test import Client as Browser  # noqa: E402

from identity_app.models import Identity  # noqa: E402
from oauth2_app.services.clients import client_create  # noqa: E402
from ory_platform.api_keys import api_key_create  # noqa: E402
from tests.conftest import sign_in  # noqa: E402
from tests.oauth2.conftest import RegisteredClient, authorization_code_via_builtin_pages, exchange_code  # noqa: E402


def main() -> None:
    api_key = api_key_create(name=f"bench-{os.getpid()}").secret
    machine, machine_secret = client_create(
        metadata={"grant_types": ["client_credentials"], "scope": "read", "client_name": "bench-machine"}
    )
    web, web_secret = client_create(
        metadata={
            "client_name": "bench-web",
            "redirect_uris": ["https://app.example.com/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid offline_access email profile",
            "skip_consent": True,
        }
    )
    identity = Identity.objects.create(
        traits={"email": "bench@example.com", "name": {"first": "Bench", "last": "User"}}
    )
    browser = Browser()
    sign_in(browser, identity)
    web_client = RegisteredClient(web.client_id, web_secret, web)
    code, verifier, _ = authorization_code_via_builtin_pages(browser, web_client)
    user_tokens = exchange_code(web_client, code, verifier).json()
    machine_token = (
        Browser()
        .post(
            "/oauth2/token",
            {"grant_type": "client_credentials", "scope": "read"},
            HTTP_AUTHORIZATION=RegisteredClient(machine.client_id, machine_secret, machine).basic(),
        )
        .json()
    )
    print(
        json.dumps(
            {
                "api_key": api_key,
                "machine_client_id": machine.client_id,
                "machine_client_secret": machine_secret,
                "user_access_token": user_tokens["access_token"],
                "machine_access_token": machine_token["access_token"],
            }
        )
    )


if __name__ == "__main__":
    main()
