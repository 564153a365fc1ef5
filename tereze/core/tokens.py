"""Bearer tokens for staff and integrations. The per-process cache spares a query per request."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from tereze.core.models import ApiToken, User

CACHE_SECONDS = 30
_cache: dict[str, tuple[float, int | None]] = {}
_users: dict[int, tuple[float, User]] = {}
_lock = threading.Lock()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user: User, name: str = "") -> str:
    """Create a token; the key is shown once and only its hash is kept."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_digest(key), name=name)
    return key


def user_for_token(key: str) -> User | None:
    now = time.monotonic()
    digest = _digest(key)
    cached = _cache.get(digest)
    if cached and now - cached[0] < CACHE_SECONDS:
        user_id = cached[1]
    else:
        token = ApiToken.objects.filter(key_hash=digest, revoked_at=None, user__is_active=True).first()
        user_id = token.user_id if token else None
        with _lock:
            _cache[digest] = (now, user_id)
    if user_id is None:
        return None
    cached_user = _users.get(user_id)
    if cached_user and now - cached_user[0] < CACHE_SECONDS:
        return cached_user[1]
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        with _lock:
            _users[user_id] = (now, user)
    return user


def forget_cached_tokens() -> None:
    _cache.clear()
    _users.clear()


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
