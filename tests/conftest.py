"""Shared fixtures.

``web``: a real HTTP server on 127.0.0.1 (tests/webserver.py), started for one test and
stopped after it. Register answers with ``web.page``, ``web.redirect``, ``web.sequence``,
``web.fault`` or ``web.route``; build URLs with ``web.url(path)``; count requests with
``web.hits(path)``. See the docstring of tests/webserver.py for the full list.

``fetch_settings``: fetch settings with short timeouts and no rate limit, so tests that
hit the server (or wait for it to time out) stay fast. Merge your own keys over it.
"""

import pytest

from webserver import WebServer  # tests/ is on sys.path (no __init__.py: pytest "rootdir" imports)


@pytest.fixture
def web():
    server = WebServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fetch_settings():
    return {
        "connect_timeout": 1.0,
        "read_timeout": 0.5,
        "deadline": 5.0,
        "retries": 2,
        "backoff": 0.01,
        "backoff_max": 0.05,
        "retry_after_max": 2.0,
        "rate_per_host": 0,
        "host_concurrency": 4,
    }


@pytest.fixture(autouse=True)
def _fresh_fetch_state():
    """Ports are reused between tests: forget robots.txt files and host gates of earlier ones."""
    from phylo.web.politeness import reset_state

    reset_state()
    yield
    reset_state()
