/* gridmap: how vector-tile features look, and finding or re-styling the ones drawn. */
import * as gm from "./gridmap-base.js";

/** How households, counts and units are drawn. */
export const styles = {};
/** Finding and re-styling what a VectorGrid layer has drawn. */
export const tiles = {};

const NEUTRAL = "#546e7a";
const INVISIBLE = {stroke: false, fill: false};
/** Below this uncovered share a unit's circle stays green: a rounding error is no problem. */
const MINOR_SHARE = 0.02;

/** The coverage problem with most households in a unit's counts, or null when none. */
styles.dominantProblem = function (props) {
  let best = null;
  let most = 0;
  gm.config().vocab.coverageProblems.forEach(function (key) {
    const n = Number(props[key]) || 0;
    if (n > most) {
      most = n;
      best = key;
    }
  });
  return best;
};

/** The colour of a status in a mode ("coverage" or "visit"). */
styles.colour = function (mode, status) {
  const colours = gm.config().colours || {};
  return (colours[mode] || {})[status] || NEUTRAL;
};

function pointRadius(z) {
  if (z >= 17) {
    return 7;
  }
  return z >= 15 ? 5.5 : z >= 14 ? 4.5 : 3.5;
}

/** Whether a household's last visit rests on a doubtful check-in (tiles send a boolean). */
styles.isDoubtful = function (props) {
  const value = props.doubtful_visit;
  return value === true || value === 1 || value === "true";
};

/** The ring colour of doubtful visits. */
styles.doubtfulColour = function () {
  return ((gm.config().colours || {}).doubtful || {}).ring || NEUTRAL;
};

/** How a doubtful visit is drawn: its status colour inside a dashed ring of its own. */
styles.doubtfulRing = function (radius) {
  return {radius: radius + 1.5, color: styles.doubtfulColour(), weight: 2.5, opacity: 1, dashArray: "3 2"};
};

function singleStyle(props, z, mode) {
  const status = mode === "visit" ? props.visit_status : props.coverage_status;
  const monitored = props.category === "monitored";
  const style = {
    radius: pointRadius(z),
    fill: true,
    fillColor: styles.colour(mode, status),
    fillOpacity: 0.92,
    // A dark ring tells monitored households apart at a glance.
    color: monitored ? "#212121" : "#ffffff",
    weight: monitored ? 1.6 : 1,
    opacity: 1,
  };
  // The visit counts until a reviewer rejects it, so it keeps its colour but is marked.
  if (mode === "visit" && styles.isDoubtful(props)) {
    return L.extend(style, styles.doubtfulRing(style.radius));
  }
  return style;
}

/** Share of a unit's households with a problem, and the colour of the worst one. */
function countProblem(props, n, mode) {
  if (mode === "visit") {
    const never = Number(props.visit_never) || 0;
    const overdue = Number(props.visit_overdue) || 0;
    const share = (never + overdue) / n;
    const worst = share < MINOR_SHARE ? "visited" : never >= overdue ? "never" : "overdue";
    return [share, styles.colour("visit", worst)];
  }
  const share = (n - (Number(props.covered) || 0)) / n;
  const problem = share >= MINOR_SHARE ? styles.dominantProblem(props) : null;
  return [share, styles.colour("coverage", problem || "covered")];
}

function countStyle(props, z, mode) {
  const n = Number(props.households) || 0;
  if (!n) {
    return [];
  }
  const [share, colour] = countProblem(props, n, mode);
  const scale = z < gm.config().zooms.level4 ? 0.55 : 0.9;
  return {
    radius: Math.min(30, 4 + Math.sqrt(n) * scale),
    fill: true,
    fillColor: colour,
    fillOpacity: 0.3 + 0.5 * Math.min(1, share * 2),
    color: colour,
    weight: 1.5,
    opacity: 0.95,
  };
}

styles.count = countStyle;

/**
 * Style function for the households tile: single points at high zoom, counts below.
 * With `countsElsewhere` the counts are kept but not drawn: the page draws them as
 * whole circles (a tile's canvas would cut a big circle at the tile's edge).
 */
styles.household = function (getMode, countsElsewhere) {
  return function (props, z) {
    const mode = getMode();
    if (props.households == null) {
      return singleStyle(props, z, mode);
    }
    return countsElsewhere ? {radius: 1, stroke: false, fill: false} : countStyle(props, z, mode);
  };
};

/**
 * Style function for the units tile. The level in view (state.activeLevel) is drawn in
 * full, the next finer one faintly as a preview, finer ones not at all (but kept, so a
 * re-style can show them without fetching tiles again).
 */
styles.unit = function (state) {
  return function (props) {
    const level = Number(props.level);
    const base = (gm.config().levelStyles || {})[String(level)] || {};
    if (level > state.activeLevel + 1) {
      return INVISIBLE;
    }
    if (level === state.activeLevel + 1) {
      return {color: base.color, weight: 0.6, opacity: 0.5, dashArray: "2 4", fill: false};
    }
    const selected = state.selected === props.code;
    return {
      color: selected ? "#111111" : base.color,
      weight: (base.weight || 1) + (selected ? 2.5 : 0),
      opacity: 0.9,
      dashArray: selected ? null : base.dashArray,
      fill: selected,
      fillColor: "#fff176",
      fillOpacity: 0.12,
    };
  };
};

/** Where a lat/lng falls in a VectorGrid layer's drawn tiles: {tile, point} or null. */
tiles.at = function (grid, latlng) {
  const map = grid._map;
  const z = grid._tileZoom;
  if (!map || z == null || !grid._vectorTiles) {
    return null;
  }
  const size = grid.getTileSize();
  const p = map.project(latlng, z);
  const x = Math.floor(p.x / size.x);
  const y = Math.floor(p.y / size.y);
  const tile = grid._vectorTiles[x + ":" + y + ":" + z];
  if (!tile || !tile._features) {
    return null;
  }
  return {tile: tile, point: L.point(p.x - x * size.x, p.y - y * size.y)};
};

function insideParts(parts, p) {
  let inside = false;
  parts.forEach(function (ring) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const a = ring[i];
      const b = ring[j];
      if ((a.y > p.y) !== (b.y > p.y) && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) {
        inside = !inside;
      }
    }
  });
  return inside;
}

/** Drawn polygons of a layer that contain a lat/lng: [{properties, feature}]. */
tiles.polygonsAt = function (grid, latlng) {
  const spot = tiles.at(grid, latlng);
  if (!spot) {
    return [];
  }
  return Object.keys(spot.tile._features)
    .map(function (id) { return spot.tile._features[id].feature; })
    .filter(function (f) { return f._parts && !f._point && insideParts(f._parts, spot.point); });
};

/** The drawn point nearest a lat/lng within its circle (plus a finger's slack), or null. */
tiles.pointAt = function (grid, latlng, slack) {
  const spot = tiles.at(grid, latlng);
  if (!spot) {
    return null;
  }
  let best = null;
  let bestDistance = Infinity;
  Object.keys(spot.tile._features).forEach(function (id) {
    const f = spot.tile._features[id].feature;
    if (!f._point || !f.options || !(f.options.fill || f.options.stroke)) {
      return; // not drawn
    }
    const d = f._point.distanceTo(spot.point);
    if (d <= (f._radius || 4) + (slack || 3) && d < bestDistance) {
      best = f;
      bestDistance = d;
    }
  });
  return best;
};

/** Re-apply a VectorGrid layer's style functions to every drawn feature, in place. */
tiles.restyle = function (grid) {
  const drawn = grid._vectorTiles || {};
  const layerStyles = grid.options.vectorTileLayerStyles || {};
  Object.keys(drawn).forEach(function (key) {
    const tile = drawn[key];
    const z = tile.getCoord().z;
    Object.keys(tile._features || {}).forEach(function (id) {
      const entry = tile._features[id];
      let style = layerStyles[entry.layerName];
      style = typeof style === "function" ? style(entry.feature.properties, z) : style;
      style = Array.isArray(style) ? style[0] || INVISIBLE : style;
      entry.feature.updateStyle(tile, L.extend({}, L.Path.prototype.options, style));
    });
  });
};

/** How many features a VectorGrid layer has drawn in its current tiles. */
tiles.count = function (grid) {
  const drawn = grid._vectorTiles || {};
  return Object.keys(drawn).reduce(function (sum, key) {
    return sum + Object.keys(drawn[key]._features || {}).length;
  }, 0);
};
