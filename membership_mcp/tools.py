"""The Target Circle 360 membership server (/mcp4)."""

from mcp_engine import MCPServer

server = MCPServer(
    name="circle-360",
    version="1.0.0",
    title="Target Circle 360",
    instructions=(
        "Check and start the shopper's Target Circle 360 membership (free same-day delivery and "
        "free shipping). A signed-in session (sessionId) is required."
    ),
)
