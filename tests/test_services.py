"""CI runs on PostgreSQL and Redis; a missing service is a failure, never a skip."""

from __future__ import annotations

import os

import pytest
import redis
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_configured_one() -> None:
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if os.environ.get("REQUIRE_SERVICES"):
        expected = "postgresql"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_broker_answers_when_configured() -> None:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if os.environ.get("REQUIRE_SERVICES"):
        assert url.startswith("redis://"), "CI must set CELERY_BROKER_URL to Redis"
    if not url:
        return
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    assert client.ping() is True
