"""Domain errors that carry an HTTP status, so web and CLI report them the same way."""

from __future__ import annotations


class GridmapError(Exception):
    """Base error: a message for the user and the HTTP status it maps to."""

    status = 500

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict:
        """Return the JSON body the API sends for this error."""
        return {"error": self.message, "details": self.details, "status": self.status}


class BadInput(GridmapError):
    """The user's file, form or parameter is wrong; the message says how to fix it."""

    status = 400


class Forbidden(GridmapError):
    """The account may not do this with what it named (a county outside its scope)."""

    status = 403


class NotFound(GridmapError):
    """The thing does not exist, or is outside the user's scope."""

    status = 404


class Conflict(GridmapError):
    """The data changed under the request (stale version, duplicate)."""

    status = 409


class DatabaseUnavailable(GridmapError):
    """The database cannot be started or reached."""

    status = 503


class PreconditionRequired(GridmapError):
    """A save must say which version it was previewed against (If-Match)."""

    status = 428
