"""Domain errors. One handler (tereze.api) maps them to HTTP: 404, 403, 409, 422."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(DomainError):
    """Absent, or present but not the viewer's to see (existence itself is private)."""

    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TransitionNotAllowed(Conflict):
    def __init__(self, *, current: str, requested: str, allowed: list[str]) -> None:
        super().__init__(
            f"cannot go from '{current}' to '{requested}'; allowed next: {', '.join(allowed) or 'none'}",
            current=current, allowed=allowed,
        )


class ValidationFailed(DomainError):
    """Input that breaks a rule; `errors` maps each field to what is wrong with it."""

    status = 422

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}
