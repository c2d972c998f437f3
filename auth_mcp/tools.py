"""The sign-in server (/mcp): start a shopper session, show the sign-in widget, report who is signed in."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from pydantic import BaseModel, Field

from analytics.tagging import tag_widget
from auth_mcp.models import ShopperSession
from mcp_engine import MCPServer, ToolResult
from shop.errors import ShopError

server = MCPServer(
    name="target-auth",
    version="1.0.0",
    title="Target sign-in",
    instructions=(
        "Sign the shopper in to their Target account before anything personal (recommendations from "
        "their history, cart, checkout, membership). First call create-target-session; then call "
        "authenticate-target with its sessionId, which shows a sign-in form. The shopper types their "
        "email, password and texted code into that form, never into the chat. Pass the same sessionId "
        "to the other Target tools. Sessions end after 10 minutes without use; when a tool says a "
        "session expired, call create-target-session again."
    ),
    principal_argument="sessionId",
    expected_errors=(ShopError,),
)

login_widget = server.widget(
    "target-auth",
    title="Target sign-in",
    description=(
        "A Target sign-in form: email and password, then a 6-digit code texted to the shopper. "
        "It tells you when the shopper is signed in, so don't ask for credentials in chat."
    ),
    prefers_border=True,
    connect_domains=lambda: [settings.PUBLIC_BASE_URL],
)

SessionId = Annotated[
    str,
    Field(
        description="The sessionId returned by create-target-session, e.g. sess_…",
        min_length=1,
        max_length=64,
    ),
]
# The argument of every tool that needs the shopper signed in (checkout, Circle 360).
SignedInSessionId = Annotated[
    str,
    Field(
        description="The sessionId of a signed-in Target session (create-target-session, then authenticate-target).",
        min_length=1,
        max_length=64,
    ),
]


class AuthStatus(BaseModel):
    sessionId: str = Field(description="Pass this to every other Target tool.")
    authenticated: bool = Field(description="True once the shopper has finished signing in.")
    name: str | None = Field(default=None, description="The signed-in shopper's name.")
    email: str | None = Field(default=None, description="The signed-in shopper's email.")


def _status(session: ShopperSession) -> AuthStatus:
    return AuthStatus(**session.status())


@server.tool(
    name="create-target-session",
    title="Start a Target session",
    read_only=False,
    destructive=False,
    idempotent=False,
    open_world=False,
    invoking="Starting a Target session…",
    invoked="Target session started",
)
async def create_session() -> ToolResult[AuthStatus]:
    """STEP 1 of signing in, and the first Target tool to call in a conversation.

    Starts a new shopper session and returns its sessionId. Next, call authenticate-target with it.
    Call this again whenever another tool reports that the session expired or was not found.
    """
    session = await ShopperSession.objects.astart()
    return ToolResult(
        _status(session),
        text=(
            f"Session created: {session.handle}. Next, call authenticate-target with this sessionId "
            "to show the shopper the sign-in form."
        ),
    )


@server.tool(
    name="authenticate-target",
    title="Sign in to Target",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    widget=login_widget,
    invoking="Opening Target sign-in…",
    invoked="Target sign-in ready",
)
async def authenticate(sessionId: SessionId) -> ToolResult[AuthStatus]:
    """STEP 2 of signing in: show the shopper the Target sign-in form for this session.

    The shopper enters their email, password and the 6-digit code texted to them in the form;
    never ask for these in chat. The form tells you when they are signed in. If the session is
    already signed in, the form says so and nothing else is needed.
    """
    session = await ShopperSession.objects.aget_live(sessionId)
    status = _status(session)
    if status.authenticated:
        text = (
            f"{status.name} ({status.email}) is already signed in on session {session.handle}. "
            "Continue with what they asked for, passing this sessionId to the other Target tools."
        )
    else:
        text = (
            "The Target sign-in form is shown above. Ask the shopper to sign in there (not in chat) "
            "and wait: the form sends a message when they are signed in. To check later, call "
            "get-target-auth-status with this sessionId."
        )
    # The widget posts the credentials and the code to our API, which it finds here (widget-only).
    tag = await tag_widget(login_widget.name, sessionId)
    return ToolResult(status, text=text, meta={"apiBase": settings.PUBLIC_BASE_URL, **tag.meta()})


@server.tool(
    name="get-target-auth-status",
    title="Check Target sign-in",
    read_only=True,
    destructive=False,
    idempotent=True,
    open_world=False,
    invoking="Checking sign-in…",
    invoked="Sign-in checked",
)
async def get_auth_status(sessionId: SessionId) -> ToolResult[AuthStatus]:
    """Report whether the shopper on this session is signed in, and as whom.

    Use it before anything that needs a signed-in shopper, or when you are unsure whether the
    sign-in form was completed.
    """
    session = await ShopperSession.objects.aget_live(sessionId)
    status = _status(session)
    if status.authenticated:
        text = f"The shopper is signed in as {status.name} ({status.email}) on session {session.handle}."
    elif session.state == ShopperSession.State.CODE_SENT:
        text = (
            "The shopper has entered their password and a code was texted to them, but they have not "
            "entered it yet. Ask them to finish in the sign-in form, then check again."
        )
    else:
        text = "The shopper is not signed in. Call authenticate-target with this sessionId to show the sign-in form."
    return ToolResult(status, text=text)
