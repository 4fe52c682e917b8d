"""Benchmark settings: the production settings plus a trivial JSON view (the framework ceiling)."""

from ory_platform.settings import *  # noqa: F403
from ory_platform.settings import ALLOWED_HOSTS

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # the seed script drives the flow in-process
