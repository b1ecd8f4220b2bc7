"""The embedded PostGIS cluster: initdb + pg_ctl from the machine's PostgreSQL.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres`
user, and the cluster lives where that user can reach it (a checkout under
/root or in a `mktemp -d` folder is closed to it). Where the cluster lives is
recorded in `<var_dir>/cluster.json` so every command finds it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from gridmap.core.errors import DatabaseUnavailable

DATABASE_NAME = "gridmap"
SUPERUSER = "postgres"
PORT = 5432
#: Root keeps clusters here, in folders owned by `postgres`.
ROOT_CLUSTERS_DIR = Path("/var/lib/gridmap")
RECORD_NAME = "cluster.json"


@dataclass(frozen=True)
class Cluster:
    """Where one cluster's data and socket live."""

    data_dir: str
    socket_dir: str
    log_file: str
    port: int = PORT

    def url(self, dbname: str = DATABASE_NAME) -> str:
        """Connection URL over the cluster's Unix socket."""
        return f"postgresql://{SUPERUSER}@/{dbname}?host={quote(self.socket_dir)}&port={self.port}"


def running_as_root() -> bool:
    """True when this process is root, so PostgreSQL tools must run as `postgres`."""
    return os.geteuid() == 0


def pg_bindir() -> Path:
    """Return the bin folder of the newest PostgreSQL installed on this machine."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise DatabaseUnavailable(
        "PostgreSQL is not installed (no initdb found). Run `make demo` or install "
        "postgresql and postgresql-<major>-postgis-3."
    )


def _run_pg_tool(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool, as `postgres` when we are root."""
    cmd = args
    if running_as_root():
        cmd = ["runuser", "-u", "postgres", "--", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise DatabaseUnavailable(
            f"{Path(args[0]).name} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result


def _hand_to_postgres(path: Path) -> None:
    """Give `path` to the postgres user (only needed, and only possible, as root)."""
    if running_as_root():
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)
    path.chmod(0o700)


def cluster_for(base_dir: Path) -> Cluster:
    """Describe a cluster kept directly under `base_dir` (created if missing)."""
    base_dir.mkdir(parents=True, exist_ok=True)
    _hand_to_postgres(base_dir)
    return Cluster(
        data_dir=str(base_dir / "data"),
        socket_dir=str(base_dir),
        log_file=str(base_dir / "postgres.log"),
    )


def default_base_dir(var_dir: Path) -> Path:
    """Where the checkout's own cluster lives: var/pg, or a postgres-owned folder as root."""
    if not running_as_root():
        return var_dir / "pg"
    checkout = str(var_dir.resolve())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", checkout).strip("-")[-40:]
    digest = hashlib.sha1(checkout.encode()).hexdigest()[:8]
    ROOT_CLUSTERS_DIR.mkdir(parents=True, exist_ok=True)
    ROOT_CLUSTERS_DIR.chmod(0o755)
    return ROOT_CLUSTERS_DIR / f"{slug}-{digest}"


def is_running(cluster: Cluster) -> bool:
    """True when the cluster's postmaster answers."""
    if not Path(cluster.data_dir, "PG_VERSION").exists():
        return False
    result = _run_pg_tool(
        [str(pg_bindir() / "pg_ctl"), "status", "-D", cluster.data_dir], check=False
    )
    return result.returncode == 0


def start(cluster: Cluster, *, fast_and_unsafe: bool = False) -> None:
    """Create the cluster if needed and start it; `fast_and_unsafe` turns off fsync (tests)."""
    bindir = pg_bindir()
    if not Path(cluster.data_dir, "PG_VERSION").exists():
        _run_pg_tool(
            [
                str(bindir / "initdb"),
                "-D", cluster.data_dir,
                "-U", SUPERUSER,
                "--auth=trust",
                "-E", "UTF8",
                "--locale=C.UTF-8",
            ]
        )  # fmt: skip
    if is_running(cluster):
        return
    options = [
        f"-k {cluster.socket_dir}",
        "-c listen_addresses=''",
        f"-p {cluster.port}",
        "-c jit=off",
        "-c shared_buffers=256MB",
        "-c work_mem=32MB",
        "-c max_connections=60",
    ]
    if fast_and_unsafe:
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    _run_pg_tool(
        [
            str(bindir / "pg_ctl"),
            "start", "-w", "-t", "60",
            "-D", cluster.data_dir,
            "-l", cluster.log_file,
            "-o", " ".join(options),
        ]
    )  # fmt: skip


def stop(cluster: Cluster) -> None:
    """Stop the cluster if it runs."""
    if is_running(cluster):
        _run_pg_tool(
            [str(pg_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", cluster.data_dir]
        )


def ensure_database(cluster: Cluster, dbname: str = DATABASE_NAME) -> str:
    """Create `dbname` in the running cluster if missing; return its URL."""
    import psycopg
    from psycopg import sql

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [dbname]
                ).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            return cluster.url(dbname)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def record(var_dir: Path, cluster: Cluster) -> None:
    """Remember where the checkout's cluster lives."""
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / RECORD_NAME).write_text(json.dumps(asdict(cluster), indent=2) + "\n")


def recorded(var_dir: Path) -> Cluster | None:
    """Return the recorded cluster of this checkout, if any."""
    path = var_dir / RECORD_NAME
    if not path.exists():
        return None
    return Cluster(**json.loads(path.read_text()))


def recorded_url(var_dir: Path) -> str | None:
    """URL of the checkout's cluster when it is recorded and running, else None."""
    cluster = recorded(var_dir)
    if cluster is None or not is_running(cluster):
        return None
    return cluster.url()


def up(var_dir: Path) -> str:
    """Start (creating if needed) the checkout's cluster and database; return the URL."""
    cluster = recorded(var_dir) or cluster_for(default_base_dir(var_dir))
    start(cluster)
    record(var_dir, cluster)
    return ensure_database(cluster)
