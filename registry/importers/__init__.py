"""Importers: each a service plus a management command, idempotent."""
