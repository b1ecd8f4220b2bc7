"""Schema migrations: the SQL files in migrations/, applied with yoyo-migrations."""

from __future__ import annotations

from pathlib import Path

from yoyo import get_backend, read_migrations


def _yoyo_url(url: str) -> str:
    """yoyo picks its driver from the scheme; ours is psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def apply_migrations(url: str, migrations_dir: Path) -> list[str]:
    """Apply every pending migration to the database at `url`; return their ids."""
    backend = get_backend(_yoyo_url(url))
    try:
        migrations = read_migrations(str(migrations_dir))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()


def pending_migrations(url: str, migrations_dir: Path) -> list[str]:
    """Ids of migrations not yet applied to the database at `url`."""
    backend = get_backend(_yoyo_url(url))
    try:
        return [m.id for m in backend.to_apply(read_migrations(str(migrations_dir)))]
    finally:
        backend.connection.close()
