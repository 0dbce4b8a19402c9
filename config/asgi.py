"""ASGI entry point (gunicorn with uvicorn workers, see the Makefile): the MCP server's
Streamable HTTP transport at /mcp (agents.http), Django for everything else.

Run with --preload so the embedding model loads once, before forking. The lifespan (start and
stop of the MCP session manager, once per worker) goes to the MCP app: Django has none.
"""

import os
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from agents.http import PATH, mcp_asgi_app  # noqa: E402 - needs the apps loaded above

mcp_application = mcp_asgi_app()

if settings.MATCH_WARM_ON_START:
    from matching.warmup import warm

    warm()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope.get("path", "")
    if scope["type"] == "lifespan" or path == PATH or path.startswith(PATH + "/"):
        await mcp_application(scope, receive, send)
    else:
        await django_application(scope, receive, send)
