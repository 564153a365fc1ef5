"""The quick crash test: a gunicorn server on PostgreSQL in a subprocess, clients submitting with
Idempotency-Keys, kill -9 of master and workers mid-way, restart, retries; then every acknowledged
application exists exactly once with its events and audit entry, and the audit chain verifies.
The long version (and a PostgreSQL restart) is `make bench` (benchmarks/crash.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres_only
def test_kill_9_mid_load_loses_and_duplicates_nothing() -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("the crash test runs gunicorn on PostgreSQL")
    database = settings.DATABASES["default"]
    admin_url = f"postgresql://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:" \
                f"{database['PORT'] or 5432}/postgres"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "crash.py"), "--only", "kill", "--quick",
         "--database", f"harness_crash_{os.getpid()}"],
        env={**os.environ, "BENCH_PG_ADMIN_URL": admin_url}, cwd=ROOT, capture_output=True, text=True, timeout=120)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "lost 0, duplicated 0" in done.stdout
    assert "audit chain intact" in done.stdout
