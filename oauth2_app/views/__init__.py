"""Hydra's public endpoints and the built-in login, consent, logout and device pages."""
