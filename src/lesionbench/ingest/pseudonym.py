"""Pseudonymous case ids: a salted SHA-256 of the case id (DESIGN.md, "Data flow")."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(case_id: str, salt: str = "") -> str:
    """Salted SHA-256 of ``case_id`` as 64 hex characters.

    The salt is the HMAC key (HMAC-SHA256), the standard keyed construction: unlike
    ``sha256(salt + case_id)`` it cannot be confused by where the salt ends and the id
    begins. Without the salt the pseudonym cannot be recomputed from a guessed id.

    Args:
        case_id: the dataset's case id.
        salt: a secret kept outside the outputs ("" gives an unsalted, reproducible hash).
    """
    if not case_id:
        raise ValueError("pseudonymise: the case id is empty")
    return hmac.new(salt.encode("utf-8"), case_id.encode("utf-8"), hashlib.sha256).hexdigest()
