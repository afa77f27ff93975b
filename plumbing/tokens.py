"""Ids and bearer secrets.

A secret (attendee access token, exhibitor API key) is random, carries a prefix saying
what it is (so it can be routed, and spotted by secret scanners), and is stored only as
its SHA-256: a leaked table grants nothing.
"""

import hashlib
import secrets
import uuid


def new_id():
    return str(uuid.uuid4())


def new_secret(prefix):
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()
