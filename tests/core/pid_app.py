"""A stand-in WSGI application for tests/core/test_server.py: takes 50 ms and answers with the pid
of the worker process that served it. Django is set up because the worker's door uses settings."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import django

django.setup()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    time.sleep(0.05)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
