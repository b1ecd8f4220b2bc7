/* gridmap: shared helpers for the map pages (settings, safe DOM building, fetch, numbers). */
import {addBaseLayers} from "./basemap.js";

let settings = null;

/** The page's settings from <script type="application/json" id="gridmap-config">. */
export function config() {
  if (settings === null) {
    const node = document.getElementById("gridmap-config");
    settings = node ? JSON.parse(node.textContent) : {};
  }
  return settings;
}

/** A translated word from a group of the settings (text, coverage, visit, level, ...). */
export function t(key, group) {
  const words = config()[group || "text"] || {};
  return words[key] != null ? String(words[key]) : String(key);
}

/**
 * Build an element. Content is always set as text, never as HTML: names, codes and
 * addresses are user data and must show as typed.
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text != null) {
    node.textContent = String(text);
  }
  return node;
}

/** The element with this id, or null. */
export function byId(id) {
  return document.getElementById(id);
}

/**
 * The base map every map page shares (gridmap.maps.basemap): the zoom limit, the base layers
 * (the default drawn, a switch when there is a choice) with their credits, and the scale bar.
 * The map's `gmBase` keeps the layers ({layers: id -> layer, none, control}).
 */
export function baseMap(map, basemap) {
  const base = basemap || {};
  if (base.maxZoom) {
    map.setMaxZoom(base.maxZoom);
  }
  map.gmBase = addBaseLayers(map, base);
  if (!(base.layers || []).length && !(base.credits || []).length && map.attributionControl) {
    map.attributionControl.remove(); // nothing to credit
    map.attributionControl = null;
  }
  return scaleBar(map, base);
}

/** Name the sources of the data drawn over the base map (its `credits`) in the map's corner. */
export function credit(map, basemap) {
  for (const source of (basemap || {}).credits || []) {
    if (map.attributionControl) {
      map.attributionControl.addAttribution(source);
    }
  }
  return map;
}

/** The base map's scale bar (baseMap adds it with the base layers). */
export function scaleBar(map, basemap) {
  L.control.scale((basemap || {}).scale || {imperial: false}).addTo(map);
  return map;
}

/** Append children (elements, or strings as text) to a node; returns the node. */
export function append(node) {
  for (let i = 1; i < arguments.length; i += 1) {
    const child = arguments[i];
    if (child == null) {
      continue;
    }
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) {
    node.removeChild(node.firstChild);
  }
  return node;
}

/** A URL with query parameters; empty values are left out, the date of the page added. */
export function url(base, params, withDate) {
  const parts = [];
  const all = Object.assign({}, params || {});
  if (withDate !== false && config().asOf) {
    all.as_of = config().asOf;
  }
  Object.keys(all).forEach(function (key) {
    const value = all[key];
    if (value != null && value !== "") {
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
    }
  });
  if (!parts.length) {
    return base;
  }
  return base + (base.indexOf("?") >= 0 ? "&" : "?") + parts.join("&");
}

/** GET a JSON document from this host; rejects on HTTP errors. */
export function fetchJSON(url) {
  return fetch(url, {
    credentials: "same-origin",
    headers: {Accept: "application/json, application/geo+json"},
  }).then(function (response) {
    if (!response.ok) {
      throw new Error(response.status + " " + url);
    }
    return response.json();
  });
}

function locale() {
  return document.documentElement.lang || "zh-Hans-CN";
}

/** A count or measure in the page's language; a dash when there is none. */
export function formatNumber(value, digits) {
  if (value == null || value === "" || isNaN(Number(value))) {
    return "–";
  }
  return Number(value).toLocaleString(locale(), {maximumFractionDigits: digits || 0});
}

/** A share (0–1) as a percentage with one decimal. */
export function formatShare(value) {
  if (value == null || isNaN(Number(value))) {
    return "–";
  }
  return (Number(value) * 100).toLocaleString(locale(), {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }) + "%";
}

/** Level (1–4) of a grid code from the code lengths in the page's settings; 0 for none. */
export function levelOf(code) {
  return config().vocab.codeLengths.indexOf(String(code).length) + 1;
}

/** The parent's code (the code's prefix), or null for the county. */
export function parentOf(code) {
  const level = levelOf(code);
  return level > 1 ? String(code).slice(0, config().vocab.codeLengths[level - 2]) : null;
}

/** Size in metres of a lat/lng bounds: its shorter side (a long thin village is small). */
export function spanMetres(bounds) {
  const sw = bounds.getSouthWest();
  const ne = bounds.getNorthEast();
  const lat = (sw.lat + ne.lat) / 2;
  const width = (ne.lng - sw.lng) * 111320 * Math.cos((lat * Math.PI) / 180);
  const height = (ne.lat - sw.lat) * 110540;
  return Math.max(0, Math.min(width, height));
}

/** Metres per screen pixel at a latitude and zoom (Web Mercator). */
export function metresPerPixel(lat, zoom) {
  return (156543.03392 * Math.cos((lat * Math.PI) / 180)) / Math.pow(2, zoom);
}

function polygons(geometry) {
  if (!geometry) {
    return [];
  }
  if (geometry.type === "Polygon") {
    return [geometry.coordinates];
  }
  return geometry.type === "MultiPolygon" ? geometry.coordinates : [];
}

function ringBounds(ring) {
  const b = {minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity};
  ring.forEach(function (p) {
    b.minX = Math.min(b.minX, p[0]);
    b.maxX = Math.max(b.maxX, p[0]);
    b.minY = Math.min(b.minY, p[1]);
    b.maxY = Math.max(b.maxY, p[1]);
  });
  return b;
}

function crossings(rings, y) {
  const xs = [];
  rings.forEach(function (ring) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const a = ring[i];
      const b = ring[j];
      if ((a[1] > y) !== (b[1] > y)) {
        xs.push(a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
      }
    }
  });
  return xs.sort(function (p, q) { return p - q; });
}

/** The lat/lng bounds of a (multi)polygon's outer rings. */
export function boundsOf(geometry) {
  const bounds = L.latLngBounds([]);
  polygons(geometry).forEach(function (poly) {
    const b = ringBounds(poly[0] || []);
    if (b.minX <= b.maxX) {
      bounds.extend([[b.minY, b.minX], [b.maxY, b.maxX]]);
    }
  });
  return bounds;
}

/** Median of a list of numbers, or null when it is empty. */
export function median(values) {
  if (!values.length) {
    return null;
  }
  const sorted = values.slice().sort(function (a, b) { return a - b; });
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * A point inside a (multi)polygon for its label, [lat, lng]: the middle of the widest
 * inside stretch of a horizontal line through the largest part (a centroid can fall
 * outside an L-shaped village).
 */
export function labelPoint(geometry) {
  let best = null;
  polygons(geometry).forEach(function (poly) {
    const b = ringBounds(poly[0] || []);
    const area = (b.maxX - b.minX) * (b.maxY - b.minY);
    if (!best || area > best.area) {
      best = {poly: poly, b: b, area: area};
    }
  });
  if (!best) {
    return null;
  }
  const y = (best.b.minY + best.b.maxY) / 2 + (best.b.maxY - best.b.minY) * 1e-6;
  const xs = crossings(best.poly, y);
  let mid = (best.b.minX + best.b.maxX) / 2;
  let widest = -1;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1] - xs[i] > widest) {
      widest = xs[i + 1] - xs[i];
      mid = (xs[i] + xs[i + 1]) / 2;
    }
  }
  return [y, mid];
}
