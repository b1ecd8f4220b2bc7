"""The base map drawn from the counties' OpenStreetMap ground (migration 0019): vector tiles
(ST_AsMVT, Web Mercator) and place labels of the open rows, and a stamp naming the imports."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from gridmap.store.tiles import BUFFER, EXTENT


@dataclass(frozen=True)
class TileContent:
    """What one zoom's tile holds: a kind list of None means every kind, () none."""

    road_classes: tuple[str, ...] | None
    water_kinds: tuple[str, ...] | None
    place_kinds: tuple[str, ...] | None
    buildings: bool
    #: Tolerance in Web Mercator metres for simplifying lines and areas; 0 keeps every vertex.
    simplify_m: float
    #: Road classes, major first: roads are written minor first so major ones draw on top.
    road_rank: tuple[str, ...] = ()
    #: Place kinds, most important first: the order labels come in.
    place_rank: tuple[str, ...] = ()


# The tile (with its buffer) in EPSG:4326, as an expression the partial GiST indexes on the
# open rows can use (a Mercator rectangle is a lon/lat rectangle, so the box is exact).
_IN_TILE = sql.SQL(
    "{alias}.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), "
    "4326) AND upper_inf({alias}.valid)"
)
_MVT_GEOM = sql.SQL(
    "ST_AsMVTGeom({geom}, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s)"
)
# Simplified before ST_AsMVTGeom snaps to the tile grid: at low zoom a river or a road keeps
# thousands of vertices that fall on a few pixels. Areas keep valid rings.
_LINES_3857 = sql.SQL(
    "CASE WHEN %(simplify_m)s > 0 THEN ST_Simplify(ST_Transform({g}, 3857), %(simplify_m)s, true)"
    " ELSE ST_Transform({g}, 3857) END"
)
_AREAS_3857 = sql.SQL(
    "CASE WHEN %(simplify_m)s > 0 "
    "THEN ST_SimplifyPreserveTopology(ST_Transform({g}, 3857), %(simplify_m)s) "
    "ELSE ST_Transform({g}, 3857) END"
)
_UNORDERED = sql.SQL("")
_KIND = sql.SQL("(%({p})s::text[] IS NULL OR {col} = ANY(%({p})s::text[]))")


def _layer(
    name: str, columns: str, source: sql.Composable, where: sql.Composable,
    order: sql.Composable = _UNORDERED,
) -> sql.Composed:  # fmt: skip
    """One layer's ST_AsMVT of `source` (which yields the tile geometry `g`); empty when no
    feature is left in the tile."""
    # OFFSET 0 keeps the subquery apart: flattened, the planner would run ST_AsMVTGeom once
    # for the test and again for the value.
    return sql.SQL(
        "(SELECT ST_AsMVT(t, {name}, %(extent)s, 'geom') FROM ("
        "  SELECT g AS geom, {columns} FROM {source} WHERE {where} {order} OFFSET 0) t"
        " WHERE t.geom IS NOT NULL)"
    ).format(
        name=sql.Literal(name), columns=sql.SQL(columns), source=source, where=where, order=order
    )


def _water() -> sql.Composed:
    geom = _MVT_GEOM.format(geom=_AREAS_3857.format(g=sql.SQL("w.geom")))
    where = sql.SQL("{} AND {}").format(
        _IN_TILE.format(alias=sql.Identifier("w")),
        _KIND.format(p=sql.SQL("water_kinds"), col=sql.SQL("w.kind")),
    )
    source = sql.SQL("osm_water w CROSS JOIN LATERAL (SELECT {} AS g) m").format(geom)
    return _layer("water", "w.kind, w.name", source, where)


def _roads() -> sql.Composed:
    geom = _MVT_GEOM.format(geom=_LINES_3857.format(g=sql.SQL("r.geom")))
    where = sql.SQL("{} AND {}").format(
        _IN_TILE.format(alias=sql.Identifier("r")),
        _KIND.format(p=sql.SQL("road_classes"), col=sql.SQL("r.class")),
    )
    source = sql.SQL("osm_road r CROSS JOIN LATERAL (SELECT {} AS g) m").format(geom)
    # Minor classes first, so that the major roads are drawn over them.
    order = sql.SQL("ORDER BY array_position(%(road_rank)s::text[], r.class) DESC NULLS FIRST")
    return _layer("roads", "r.class, r.name, r.bridge, r.oneway", source, where, order)


def _buildings() -> sql.Composed:
    geom = _MVT_GEOM.format(geom=_AREAS_3857.format(g=sql.SQL("b.geom")))
    # The constant test first: below the buildings' zoom the planner skips the table.
    where = sql.SQL("%(buildings)s AND {}").format(_IN_TILE.format(alias=sql.Identifier("b")))
    source = sql.SQL("osm_building b CROSS JOIN LATERAL (SELECT {} AS g) m").format(geom)
    return _layer("buildings", "b.kind", source, where)


def _places() -> sql.Composed:
    geom = _MVT_GEOM.format(geom=sql.SQL("ST_Transform(p.geom, 3857)"))
    where = sql.SQL("{} AND p.name IS NOT NULL AND {}").format(
        _IN_TILE.format(alias=sql.Identifier("p")),
        _KIND.format(p=sql.SQL("place_kinds"), col=sql.SQL("p.kind")),
    )
    source = sql.SQL("osm_place p CROSS JOIN LATERAL (SELECT {} AS g) m").format(geom)
    return _layer("places", "p.kind, p.name", source, where)


def _params(z: int, x: int, y: int) -> dict:
    return {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "extent": EXTENT, "buffer": BUFFER}


def _content_params(content: TileContent) -> dict:
    def listed(kinds: tuple[str, ...] | None) -> list[str] | None:
        return None if kinds is None else list(kinds)

    return {
        "road_classes": listed(content.road_classes),
        "water_kinds": listed(content.water_kinds),
        "place_kinds": listed(content.place_kinds),
        "buildings": content.buildings,
        "simplify_m": content.simplify_m,
        "road_rank": list(content.road_rank),
        "place_rank": list(content.place_rank),
    }


def osm_basemap_tile(
    conn: psycopg.Connection, z: int, x: int, y: int, content: TileContent
) -> bytes:
    """One vector tile of the open OSM rows the connection sees: layers water, roads,
    buildings and places as `content` says; layers without features are left out."""
    # Layers in drawing order; an MVT is its layers' messages one after another.
    layers = [_water(), _roads(), _buildings(), _places()]
    query = sql.SQL("SELECT {}").format(
        sql.SQL(" || ").join(sql.SQL("coalesce({}, ''::bytea)").format(q) for q in layers)
    )
    row = conn.execute(query, {**_params(z, x, y), **_content_params(content)}).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def osm_place_labels(
    conn: psycopg.Connection, z: int, x: int, y: int, content: TileContent
) -> list[dict]:
    """The named places of the content's kinds in the tile, most important kinds first, as
    {"name", "kind", "lon", "lat"} (degrees, EPSG:4326)."""
    # Half-open in Web Mercator (west and south edges in, east and north out): a place on
    # the line between two tiles is labelled by one of them only.
    rows = conn.execute(
        sql.SQL(
            "SELECT p.name, p.kind, ST_X(p.geom), ST_Y(p.geom) FROM osm_place p, "
            "  LATERAL (SELECT ST_Transform(p.geom, 3857) AS g, "
            "    ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env) m "
            "WHERE {} AND p.name IS NOT NULL AND {} "
            "  AND ST_X(m.g) >= ST_XMin(m.env) AND ST_X(m.g) < ST_XMax(m.env) "
            "  AND ST_Y(m.g) >= ST_YMin(m.env) AND ST_Y(m.g) < ST_YMax(m.env) "
            "ORDER BY array_position(%(place_rank)s::text[], p.kind) NULLS LAST, p.name, p.osm_id"
        ).format(
            _IN_TILE.format(alias=sql.Identifier("p")),
            _KIND.format(p=sql.SQL("place_kinds"), col=sql.SQL("p.kind")),
        ),
        {**_params(z, x, y), **_content_params(content)},
    ).fetchall()
    return [
        {"name": name, "kind": kind, "lon": float(lon), "lat": float(lat)}
        for name, kind, lon, lat in rows
    ]


def osm_ground_stamp(conn: psycopg.Connection) -> str | None:
    """The current imports the connection sees, as sorted `county:id`; None when none."""
    row = conn.execute(
        "SELECT string_agg(county_code || ':' || id, ',' ORDER BY county_code, id) "
        "FROM osm_import WHERE replaced_at IS NULL"
    ).fetchone()
    return row[0] if row else None
