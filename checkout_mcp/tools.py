"""The checkout server (/mcp3)."""

from mcp_engine import MCPServer

server = MCPServer(
    name="target-checkout",
    version="1.0.0",
    title="Target checkout",
    instructions=(
        "Manage the signed-in shopper's cart and check out. Products are added by id from a search "
        "result; prices always come from the catalog. A signed-in session (sessionId) is required."
    ),
)
