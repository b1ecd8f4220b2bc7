"""Personal values (ID numbers, phones) are shown masked to everyone but administrators."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str | None:
    """Keep the first 4 and last 4 characters of an ID number: 3418**********1234."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """Keep the first 3 and last 4 digits of a phone number: 138****5678."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def masked(record: dict) -> dict:
    """A copy of `record` with every personal field masked."""
    return {k: MASKS[k](v) if k in MASKS else v for k, v in record.items()}
