/*
 * gridmap: the base layers under every map (gridmap.maps.basemap): the county's OpenStreetMap
 * ground as vector tiles in gridmap's style with its place names, image tiles (an online
 * service or a tile package), and a switch between them and no base map.
 */

/** Base tiles under everything, their place names above them: both under the grid's own
 * tiles (Leaflet's tilePane, 200) and every overlay. */
const PANES = {"gm-base": 150, "gm-base-labels": 190};

/** Leaflet.VectorGrid (static/VENDORED.md), for the pages that do not load it themselves. */
const VECTORGRID_URL = new URL(
  "../vendor/leaflet.vectorgrid/1.3.0/dist/Leaflet.VectorGrid.bundled.min.js", import.meta.url
).href;

const WATER = {
  fill: true, fillColor: "#b3d4f0", fillOpacity: 1, color: "#5b9bd5", weight: 1.5, opacity: 1,
};
const BUILDING = {
  fill: true, fillColor: "#dcdcdc", fillOpacity: 1, color: "#c4c4c4", weight: 0.5, opacity: 1,
};

/** Road classes by rank: major ones wider and warmer, minor ones white, paths thin grey. */
const ROADS = {
  motorway: {color: "#d9622b", weight: 4},
  trunk: {color: "#e3793d", weight: 3.5},
  primary: {color: "#ef9f4c", weight: 3},
  secondary: {color: "#f3bd5c", weight: 2.6},
  tertiary: {color: "#f2d479", weight: 2.2},
  unclassified: {color: "#ffffff", weight: 1.8, casing: "#b9b2a6"},
  residential: {color: "#ffffff", weight: 1.8, casing: "#b9b2a6"},
  living_street: {color: "#ffffff", weight: 1.6, casing: "#b9b2a6"},
  road: {color: "#ffffff", weight: 1.6, casing: "#b9b2a6"},
  pedestrian: {color: "#ececec", weight: 1.4, casing: "#b9b2a6"},
  service: {color: "#9e9e9e", weight: 1},
  track: {color: "#9e8a6e", weight: 1, dashArray: "4 3"},
  ferry: {color: "#4a7fc1", weight: 1.2, dashArray: "6 4"},
};
const PATH = {color: "#a3a3a3", weight: 0.8, dashArray: "2 2"};
const BRIDGE_CASING = "#4d4d4d";

/** A road's strokes, casing first; `_link` classes as their road, a little thinner. */
function roadStyle(properties, zoom) {
  const cls = String(properties["class"] || "");
  const link = /_link$/.test(cls);
  const base = ROADS[cls.replace(/_link$/, "")] || PATH;
  const scale = (zoom >= 16 ? 1.6 : zoom >= 14 ? 1.25 : 1) * (link ? 0.7 : 1);
  const weight = base.weight * scale;
  const strokes = [];
  if (properties.bridge) {
    strokes.push({color: BRIDGE_CASING, weight: weight + 3, opacity: 1, lineCap: "butt"});
  } else if (base.casing) {
    strokes.push({color: base.casing, weight: weight + 1.2, opacity: 1});
  }
  strokes.push({color: base.color, weight: weight, opacity: 1, dashArray: base.dashArray || null});
  return strokes;
}

const STYLES = {
  water: WATER,
  roads: roadStyle,
  buildings: BUILDING,
  places: [], // named by the label layer, as text
};

let vectorGridLoading = null;

/** Resolves once L.vectorGrid exists (loaded from this host when the page has not). */
function vectorGridReady() {
  if (L.vectorGrid) {
    return Promise.resolve();
  }
  if (!vectorGridLoading) {
    vectorGridLoading = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = VECTORGRID_URL;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return vectorGridLoading;
}

function ensurePanes(map) {
  Object.keys(PANES).forEach(function (name) {
    if (!map.getPane(name)) {
      map.createPane(name).style.zIndex = String(PANES[name]);
    }
  });
  map.getPane("gm-base-labels").style.pointerEvents = "none";
}

/** A label's kind as a class name part (the kinds are OSM words, but come as data). */
function kindClass(kind) {
  return "gm-base-label-" + String(kind || "other").replace(/[^a-z_]/g, "");
}

function span(label, at) {
  const node = document.createElement("span");
  node.className = "gm-base-label " + kindClass(label.kind);
  node.textContent = String(label.name); // a name is data: text, never HTML
  node.style.left = at.x + "px";
  node.style.top = at.y + "px";
  return node;
}

/**
 * Place names as text: each tile a div of positioned spans, from the labels JSON of the tile
 * (or, past the source's deepest zoom, of its ancestor there, keeping the names inside).
 */
const PlaceLabels = L.GridLayer.extend({
  createTile: function (coords, done) {
    const tile = document.createElement("div");
    tile.className = "gm-base-label-tile";
    const native = Math.min(coords.z, this.options.labelsMaxZoom);
    const shift = coords.z - native;
    const url = L.Util.template(this.options.url, {
      z: native, x: coords.x >> shift, y: coords.y >> shift,
    });
    const size = this.getTileSize();
    const origin = coords.scaleBy(size);
    const map = this._map;
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {labels: []}; })
      .then(function (data) {
        (data.labels || []).forEach(function (label) {
          const at = map.project([label.lat, label.lon], coords.z).subtract(origin).round();
          if (at.x >= 0 && at.y >= 0 && at.x < size.x && at.y < size.y) {
            tile.appendChild(span(label, at));
          }
        });
        done(null, tile);
      })
      .catch(function () { done(null, tile); }); // no names is no reason to fail the map
    return tile;
  },
});

function vectorLayer(spec, maxZoom) {
  const group = L.layerGroup();
  const common = {minZoom: spec.minZoom || 0, maxZoom: maxZoom};
  vectorGridReady().then(function () {
    group.addLayer(L.vectorGrid.protobuf(spec.url, Object.assign({
      pane: "gm-base",
      rendererFactory: L.canvas.tile,
      interactive: false,
      attribution: spec.attribution || "",
      maxNativeZoom: spec.maxNativeZoom || maxZoom,
      vectorTileLayerStyles: STYLES,
    }, common)));
  }).catch(function () { /* the map works without its base */ });
  if (spec.labelsUrl) {
    group.addLayer(new PlaceLabels(Object.assign({
      pane: "gm-base-labels",
      url: spec.labelsUrl,
      labelsMaxZoom: spec.maxNativeZoom || maxZoom,
    }, common)));
  }
  return group;
}

function rasterLayer(spec, maxZoom) {
  return L.tileLayer(spec.url, {
    pane: "gm-base",
    attribution: spec.attribution || "",
    minZoom: spec.minZoom || 0,
    maxNativeZoom: spec.maxNativeZoom || maxZoom,
    maxZoom: maxZoom,
  });
}

const ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
}

/**
 * Draw the base map's default layer and, when there is a choice, a collapsed switch of every
 * offered layer and none. Returns {layers: id -> layer, none, control}.
 */
export function addBaseLayers(map, basemap) {
  const base = basemap || {};
  const maxZoom = base.maxZoom || 19;
  const specs = base.layers || [];
  ensurePanes(map);
  const layers = {};
  const names = {};
  specs.forEach(function (spec) {
    const layer = spec.kind === "vector" ? vectorLayer(spec, maxZoom) : rasterLayer(spec, maxZoom);
    layers[spec.id] = layer;
    // The switch writes its names as HTML: our translated words, escaped all the same.
    names[escapeHtml(spec.label)] = layer;
  });
  const none = L.layerGroup();
  (layers[base["default"]] || none).addTo(map);
  let control = null;
  if (specs.length) {
    names[escapeHtml(base.noneLabel || "None")] = none;
    control = L.control.layers(names, null, {collapsed: true, position: "topright"}).addTo(map);
    control.getContainer().classList.add("gm-base-switch");
  }
  return {layers: layers, none: none, control: control};
}
