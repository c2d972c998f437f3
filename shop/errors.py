"""The one error hierarchy of the shop: every failure a shopper or the model can act on.

Each error type declares, once, its stable `code`, the HTTP `status` the callback API answers
with and the request `field` at fault. `shop.api.exception_handler` turns them into API answers and
the MCP servers list `ShopError` in `expected_errors`, so tools answer them as tool errors.
"""

from __future__ import annotations

from typing import ClassVar


class ShopError(Exception):
    """A failure with a message for the shopper or the model: what went wrong and what to do next."""

    code: ClassVar[str] = "shop_error"
    status: ClassVar[int] = 400
    field: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
