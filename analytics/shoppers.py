"""Who an event belongs to, without saying who: a keyed hash of the shopper's session handle.

Analytics never stores an email, a name or the handle itself. The key (ANALYTICS_SECRET) keeps the
hash from being reversed by hashing guessed handles; rotating it starts every shopper afresh.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

SHOPPER_KEY_LENGTH = 32
SHOPPER_KEY_PATTERN = rf"^[0-9a-f]{{{SHOPPER_KEY_LENGTH}}}$"


def shopper_key(handle: str) -> str:
    """The stable pseudonym of the shopper whose session handle (sessionId) is `handle`."""
    digest = hmac.new(settings.ANALYTICS_SECRET.encode(), handle.encode(), hashlib.sha256).hexdigest()
    return digest[:SHOPPER_KEY_LENGTH]
