"""`python manage.py mcp`: the MCP server over stdio, for a local client's config file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from agents.server import build_server


class Command(BaseCommand):
    help = "Serve the registry's MCP tools over stdio (JSON-RPC on stdin/stdout)."

    def handle(self, *args: Any, **options: Any) -> None:
        # stdout carries the protocol: nothing else may be printed there.
        build_server().run("stdio")
