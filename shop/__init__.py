"""The shop core: what every shop app shares, so that they depend on it and never on each other.

`errors` (the one error hierarchy), `api` + `openapi` (the widget callback API's base views,
exception handler and schema parts) and `payments` (money, the simulated processor and the
idempotent charge). Product apps import this package; it imports none of them.
"""
