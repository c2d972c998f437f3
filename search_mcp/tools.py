"""The product search server (/mcp2)."""

from mcp_engine import MCPServer

server = MCPServer(
    name="target-search",
    version="1.0.0",
    title="Target product search",
    instructions=(
        "Search Target's catalog and recommend products. Use search-target-products for what the "
        "shopper asks for, and get-agentforce-recommendations when they want advice on what to buy."
    ),
)
