"""The settings of the test run and of mypy's Django plugin: config.settings with DEBUG=1
unless the environment sets DEBUG.

DEBUG is off by default, and with it off the settings refuse to load without a real
SECRET_KEY and ALLOWED_HOSTS (a deploy fails closed). The tests and the type checker run
with no deployment around them, so they take the development values read at import: the
development SECRET_KEY, local ALLOWED_HOSTS (and testserver), plain-http cookies. Each test
still runs with settings.DEBUG False, as in production (pytest-django sets it). The
production settings are tested by starting real processes with DEBUG unset
(tests/test_deploy.py). Subprocesses of tests inherit DEBUG=1 from here.
"""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: E402, F403
