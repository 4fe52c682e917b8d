"""The Ory-style identity platform: one Django project serving Hydra, Kratos and Keto's APIs."""

__version__ = "0.1.0"
