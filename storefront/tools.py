"""The one-connector server (/shop): every tool and widget of the four shop servers, so that a
ChatGPT or Claude user adds one connector and signs in once. /mcp … /mcp4 stay as they are."""

from __future__ import annotations

from auth_mcp.tools import server as auth
from checkout_mcp.tools import server as checkout
from mcp_engine import MCPServer
from membership_mcp.tools import server as membership
from search_mcp.tools import server as search

server = MCPServer.combine(
    auth,
    search,
    checkout,
    membership,
    name="target-shop",
    version="1.0.0",
    title="Target",
    instructions=(
        "Shop at Target for the user: search the catalog, recommend products, fill a cart, check out and "
        "join Target Circle 360. Searching needs no sign-in. For anything personal (recommendations from "
        "their history, the cart, checkout, membership) first call create-target-session, then "
        "authenticate-target with its sessionId: the shopper types their email, password and texted code "
        "into the sign-in form it shows, never into the chat. Pass that sessionId to every other tool. "
        "Add products by the ids search-target-products returns; call checkout to show the order, where "
        "the shopper completes the purchase; call circle-signup to let them join Circle 360. Never ask "
        "for card details in chat. When a tool says a session expired, start a new one."
    ),
)
