"""Test settings: the real settings with fast password hashing and an upload root per run."""

import tempfile

from tereze.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="tereze-uploads-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY = {**HUEY, "immediate": True}  # noqa: F405
LANGUAGE_CODE = "en"  # assertions read the English source texts; kk/ru tests ask for their language
