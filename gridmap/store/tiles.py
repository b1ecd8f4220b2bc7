"""Mapbox vector tiles rendered by PostGIS (ST_AsMVT) in Web Mercator."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gridmap.core import vocab
from gridmap.store.coverage import status_with_doubtful
from gridmap.store.scoping import prefix_filter, prefix_params

EXTENT = 4096
BUFFER = 64

# The tile's envelope in Web Mercator and, for the GiST indexes on the stored EPSG:4326
# geometries, in EPSG:4326 (a Mercator rectangle is a lon/lat rectangle, so the box is exact).
_BOUNDS = (
    "bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env_3857, "
    "ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS env_4326)"
)
_IN_TILE = (
    "h.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)"
)


def _params(z: int, x: int, y: int) -> dict:
    return {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT}


def change_stamp(conn: psycopg.Connection, prefixes: list[str] | None) -> str:
    """The change counters of the counties holding codes under `prefixes` (every county when
    None) with the time of their last change: it changes whenever their data changes."""
    # Counters only grow, so their sum with the latest time names the state of those counties.
    row = conn.execute(
        "SELECT sum(counter), (extract(epoch FROM max(at)) * 1000000)::bigint FROM change_stamp "
        "WHERE %(prefixes)s::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest(%(prefixes)s::text[])"
        " p WHERE starts_with(county_code, left(p, %(county_length)s)))",
        {"prefixes": prefixes, "county_length": vocab.CODE_LENGTH[vocab.COUNTY]},
    ).fetchone()
    return f"{row[0]}-{row[1]}" if row and row[0] is not None else "0"


def household_points_tile(
    conn: psycopg.Connection,
    z: int,
    x: int,
    y: int,
    status_params: dict,
    prefixes: list[str] | None,
) -> bytes:
    """Individual households in the tile under `prefixes`, with category and statuses."""
    scope = sql.SQL("{} AND {}").format(sql.SQL(_IN_TILE), prefix_filter("h.unit_code"))
    query = sql.SQL(
        "WITH {bounds}, s AS ({status}) "
        "SELECT ST_AsMVT(t, 'households', %(extent)s, 'geom') FROM ("
        "  SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), b.env_3857, %(extent)s, %(buffer)s)"
        "    AS geom, s.code, s.category, s.coverage_status, s.visit_status, s.doubtful_visit"
        "  FROM s, bounds b) t WHERE t.geom IS NOT NULL"
    ).format(bounds=sql.SQL(_BOUNDS), status=status_with_doubtful(status_params, scope))
    params = {**status_params, **_params(z, x, y), **prefix_params(prefixes)}
    params.update(extent=EXTENT, buffer=BUFFER)
    row = conn.execute(query, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def household_aggregate_tile(
    conn: psycopg.Connection, z: int, x: int, y: int, level: int, counts: dict[str, list]
) -> bytes:
    """One point per unit of `level` in the tile, at its label point, with status counts.

    `counts` maps column name to a list aligned with counts["code"].
    """
    columns = [c for c in counts if c != "code"]
    # Typed arrays: psycopg sends lists of text as unknown, which unnest cannot resolve.
    unnest = sql.SQL(", ").join(
        sql.SQL("{}::text[]" if c == "code" else "{}::int[]").format(sql.Placeholder(c))
        for c in ["code", *columns]
    )
    names = sql.SQL(", ").join(sql.Identifier(c) for c in ["code", *columns])
    picked = sql.SQL(", ").join(sql.SQL("c.") + sql.Identifier(c) for c in columns)
    query = sql.SQL(
        "WITH {bounds} "
        "SELECT ST_AsMVT(t, 'households', %(extent)s, 'geom') FROM ("
        "  SELECT ST_AsMVTGeom(ST_Transform(u.label, 3857), b.env_3857, %(extent)s, %(buffer)s)"
        "    AS geom, u.code, u.name, {picked}"
        "  FROM bounds b JOIN unit_version u ON u.label && b.env_4326"
        "  JOIN unnest({unnest}) AS c({names}) ON c.code = u.code"
        "  WHERE u.valid_to IS NULL AND u.level = %(level)s) t WHERE t.geom IS NOT NULL"
    ).format(bounds=sql.SQL(_BOUNDS), picked=picked, unnest=unnest, names=names)
    params = {**_params(z, x, y), **counts, "level": level, "extent": EXTENT, "buffer": BUFFER}
    row = conn.execute(query, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def units_tile(
    conn: psycopg.Connection, z: int, x: int, y: int, levels: list[int], prefixes: list[str] | None
) -> bytes:
    """Boundaries of units of `levels` under `prefixes` in the tile, one layer per level."""
    query = sql.SQL(
        "WITH {bounds}, t AS ("
        "  SELECT ST_AsMVTGeom(ST_Transform(u.geom, 3857), b.env_3857, "
        "    %(extent)s, %(buffer)s) AS geom, u.code, u.name, u.level"
        "  FROM bounds b JOIN unit_version u ON u.geom && b.env_4326"
        "  WHERE u.valid_to IS NULL AND u.level = ANY(%(levels)s)"
        "    AND {scope})"
        "SELECT string_agg(mvt, ''::bytea) FROM ("
        "  SELECT ST_AsMVT(t2, (%(level_names)s::text[])[t2.level], "
        "    %(extent)s, 'geom') AS mvt"
        "  FROM (SELECT * FROM t WHERE t.geom IS NOT NULL) t2 GROUP BY t2.level) layers"
    ).format(bounds=sql.SQL(_BOUNDS), scope=prefix_filter("u.code"))
    params = {**_params(z, x, y), "levels": levels, **prefix_params(prefixes)}
    params["level_names"] = [vocab.LEVEL_NAMES[level] for level in vocab.LEVELS]
    params.update(extent=EXTENT, buffer=BUFFER)
    row = conn.execute(query, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def label_points(conn: psycopg.Connection, level: int) -> dict[str, tuple[float, float]]:
    """Label point (lon, lat) of every current unit of `level`."""
    rows = conn.execute(
        "SELECT code, ST_X(label), ST_Y(label) FROM unit_version "
        "WHERE valid_to IS NULL AND level = %s",
        [level],
    ).fetchall()
    return {r[0]: (float(r[1]), float(r[2])) for r in rows}
