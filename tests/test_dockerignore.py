"""The image's build context: the source, and no local state, secrets or caches.

The context is listed with the Docker SDK's own .dockerignore rules
(docker.utils.build.exclude_paths, what `docker build` through the SDK sends), read from
.dockerignore the way the SDK reads it; no Docker daemon is needed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from docker.utils.build import exclude_paths

REPO = Path(__file__).resolve().parent.parent
KEY_SUFFIXES = (".jwk", ".pem", ".key", ".p12", ".pfx")


def ignore_patterns(root: Path) -> list[str]:
    """.dockerignore's patterns, as docker.api.build reads them."""
    lines = (root / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def context_files(root: Path) -> set[str]:
    """The files `docker build` would send from `root` (directories left out)."""
    return {
        path for path in exclude_paths(str(root), ignore_patterns(root)) if (root / path).is_file()
    }


SOURCE = [
    "Dockerfile",
    ".dockerignore",
    "manage.py",
    "requirements.txt",
    "config/settings.py",
    "config/security.py",
    "config/env.py",  # a module named env is source, not an environment file (.env)
    "passports/keys.py",  # a module named keys is source, not a key
    "registry/management/commands/passport_keys.py",
    "static/web/site.css",
    "web/templates/web/error.html",
]
LEFT_OUT = [
    "var/registry.sqlite3",
    "var/keys/passport-signing.jwk",
    "var/keys/log-signing.jwk",
    "var/staticfiles/web/site.css",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/django/__init__.py",
    ".git/HEAD",
    ".git/config",
    "passport-signing.jwk",
    "config/keys/witness.jwk",
    "deploy/tls/server.key",
    "deploy/tls/server.pem",
    "keys/anything",
    ".env",
    "config/.env.production",
    "registry/__pycache__/apis.cpython-311.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.11/config/settings.data.json",
    ".ruff_cache/CACHEDIR.TAG",
    ".hypothesis/examples/0/1",
    "tests/screenshots/list.png",
    "registry.sqlite3",
]


def test_context_keeps_the_source_and_leaves_out_state_secrets_and_caches(tmp_path: Path) -> None:
    for name in SOURCE + LEFT_OUT:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    shutil.copy(REPO / ".dockerignore", tmp_path / ".dockerignore")
    assert context_files(tmp_path) == set(SOURCE)


def test_this_checkout_sends_every_tracked_file_and_nothing_local() -> None:
    context = context_files(REPO)
    for path in context:
        assert not path.startswith(("var/", ".venv/", ".git/")), path
        assert not path.endswith(KEY_SUFFIXES), path
        assert "__pycache__" not in path, path
    # The suite runs in a git checkout (make test, CI's clean clone): its tracked files are
    # what the context must hold.
    assert (REPO / ".git").exists(), "not a git checkout: no list of tracked files"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert sorted(set(tracked) - context) == []
