"""A small MCP server engine for Django Channels. It knows nothing of the project that uses it.

Declare a server in an app's ``tools.py``; mount it with one line in the ``MCP_SERVERS`` setting
(``mcp_engine.registry``); the engine's settings and their defaults are in ``mcp_engine.conf``.
"""

from mcp_engine.context import Context
from mcp_engine.errors import MCPError, ToolError
from mcp_engine.server import MCPServer
from mcp_engine.tools import InputRequired, ToolResult
from mcp_engine.widgets import Widget

__all__ = ["Context", "InputRequired", "MCPError", "MCPServer", "ToolError", "ToolResult", "Widget"]
