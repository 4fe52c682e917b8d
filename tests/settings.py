"""Settings for the test suite: the project's settings, read from the same environment, with a
test secret and cheaper (but still real) password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-that-is-long-enough-for-hmac-and-not-used-anywhere-else")

from ory_platform.settings import *  # noqa: F403
from ory_platform.settings import STORAGES

# Tests render templates without running collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Real argon2id, but 2 MiB and one lane so the suite can hash hundreds of passwords quickly. The
# production cost is exercised by tests/identity/test_passwords.py.
IDENTITY_PASSWORD_ARGON2 = {"time_cost": 1, "memory_cost": 2048, "parallelism": 1}
