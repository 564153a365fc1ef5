"""Uploaded documents: allowed types sniffed from content, a size limit, stored outside the web root
under a content-addressed name (a re-upload of the same file is stored once)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tereze.core.errors import ValidationFailed

SIGNATURES = {b"%PDF-": ("application/pdf", "pdf"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
              b"\x89PNG\r\n\x1a\n": ("image/png", "png")}


@dataclass(frozen=True)
class Upload:
    code: str
    file_name: str
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    path: str
    file_name: str
    content_type: str
    size: int
    sha256: str


def safe_name(name: str) -> str:
    """Keep only the last path component and harmless characters (no traversal, no control chars)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")[:120]
    return base or "document"


def check_upload(upload: Upload) -> tuple[str, str]:
    if not upload.content:
        raise ValidationFailed("the file is empty", {f"documents.{upload.code}": "the file is empty"})
    limit = settings.UPLOAD_MAX_BYTES
    if len(upload.content) > limit:
        message = f"the file is {len(upload.content) // 1024} KB; the limit is {limit // 1024} KB"
        raise ValidationFailed(message, {f"documents.{upload.code}": message})
    for magic, kind in SIGNATURES.items():
        if upload.content.startswith(magic):
            return kind
    message = "only PDF, JPEG and PNG files are accepted; this file is none of them"
    raise ValidationFailed(message, {f"documents.{upload.code}": message})


def store_upload(upload: Upload) -> StoredFile:
    content_type, extension = check_upload(upload)
    digest = hashlib.sha256(upload.content).hexdigest()
    relative = Path(digest[:2]) / f"{digest}.{extension}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of this writer's own: the same document may be stored by two requests at once.
        temporary = target.with_name(f"{target.name}.{secrets.token_hex(8)}.part")
        with temporary.open("wb") as f:
            f.write(upload.content)
            f.flush()
            os.fsync(f.fileno())  # on disk before the application that points at it is acknowledged
        temporary.replace(target)  # atomic: a crash never leaves a half-written document
    return StoredFile(path=str(relative), file_name=safe_name(upload.file_name), content_type=content_type,
                      size=len(upload.content), sha256=digest)


def open_stored(path: str) -> bytes:
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents:
        raise ValidationFailed("invalid document path")
    return target.read_bytes()
