/*
 * gridmap: the boundary editor: draw, preview on the map, then save with a reason.
 *
 * The page's entry module. Its one global, window.gridmap.editor, is the editor's state
 * (map, layers, drawn line, last preview) for people debugging and the browser tests.
 */
import * as gm from "./gridmap-base.js";
import * as common from "./editor-common.js";
import * as preview from "./editor-preview.js";

const byId = gm.byId;
const editor = {line: null, preview: null, request: null};
const STYLES = {
  unit: {color: "#0d47a1", weight: 3, fillColor: "#64b5f6", fillOpacity: 0.25},
  sibling: {color: "#546e7a", weight: 2, fillColor: "#cfd8dc", fillOpacity: 0.25},
  child: {color: "#37474f", weight: 1, dashArray: "4 4", fill: false},
  problem: {color: "#d50000", weight: 2, fillColor: "#ff1744", fillOpacity: 0.5},
};
/** Layers the preview draws on: nothing to snap to or edit there. */
const PREVIEW_LAYER = {pmIgnore: true, snapIgnore: true, interactive: false};

function operation() {
  return document.querySelector("input[name='operation']:checked").value;
}

/** Show only the controls of the chosen tool (elements with data-for). */
function showControls() {
  const op = operation();
  document.querySelectorAll("[data-for]").forEach(function (node) {
    node.hidden = node.getAttribute("data-for").split(" ").indexOf(op) < 0;
  });
}

function tooltip(props) {
  return gm.append(gm.el("div"), gm.el("strong", null, props.name), gm.el("div", null, props.code));
}

function layerOf(style) {
  return L.geoJSON(null, {
    style: style,
    onEachFeature: function (feature, item) { item.bindTooltip(tooltip(feature.properties), {sticky: true}); },
  }).addTo(editor.map);
}

function fillNeighbours(features, code) {
  const select = gm.clear(byId("gm-other"));
  features.filter(function (f) { return f.properties.code !== code; }).forEach(function (f) {
    const option = gm.el("option", null, f.properties.name + " (" + f.properties.code + ")");
    option.value = f.properties.code;
    select.appendChild(option);
  });
}

function load() {
  const unit = gm.config().unit;
  const urls = gm.config().urls;
  const own = gm.url(urls.units, {level: unit.level, parent: unit.parent}, false);
  const below = gm.url(urls.units, {level: unit.level + 1, parent: unit.code}, false);
  return Promise.all([gm.fetchJSON(own), unit.level < 4 ? gm.fetchJSON(below) : null])
    .then(function (both) {
      const features = both[0].features || [];
      const mine = features.filter(function (f) { return f.properties.code === unit.code; });
      editor.siblings.addData({type: "FeatureCollection", features: features.filter(function (f) {
        return f.properties.code !== unit.code;
      })});
      editor.unit.addData({type: "FeatureCollection", features: mine});
      editor.unitType = mine.length ? mine[0].geometry.type : "Polygon";
      if (both[1]) { editor.children.addData(both[1]); }
      fillNeighbours(features, unit.code);
      editor.known = {};
      features.concat(both[1] ? both[1].features || [] : []).forEach(function (f) {
        editor.known[f.properties.code] = true;
      });
      const bounds = editor.unit.getBounds();
      if (bounds.isValid()) { editor.map.fitBounds(bounds.pad(0.6)); }
      document.body.setAttribute("data-gm-ready", "1");
    })
    .catch(function (err) {
      console.error("gridmap: editor data not loaded:", err);
      common.status(gm.t("load_failed"), "error");
      document.body.setAttribute("data-gm-ready", "error");
    });
}

function startLine() {
  editor.drawn.clearLayers();
  editor.line = null;
  editor.map.pm.enableDraw("Line", {snappable: true, snapDistance: 15, continueDrawing: false});
}

function finishLine() {
  const draw = editor.map.pm.Draw.Line;
  if (draw && draw.enabled()) { draw._finishShape(); }
}

function onCreate(event) {
  editor.drawn.clearLayers();
  editor.drawn.addLayer(event.layer);
  editor.map.removeLayer(event.layer);
  editor.drawn.addTo(editor.map);
  editor.line = event.layer.toGeoJSON().geometry;
  document.body.setAttribute("data-gm-line", String(editor.line.coordinates.length));
}

function unitPolygon() {
  return editor.unit.getLayers()[0] || null;
}

function startVertices() {
  const layer = unitPolygon();
  if (layer) { layer.pm.enable({allowSelfIntersection: false, snappable: true, snapDistance: 15}); }
}

function depth(latlngs) {
  if (!Array.isArray(latlngs) || !latlngs.length) { return 0; }
  return latlngs[0] instanceof L.LatLng ? 1 : 1 + depth(latlngs[0]);
}

function ringCoords(ring) {
  const coords = ring.map(function (p) { return [p.lng, p.lat]; });
  const first = coords[0];
  const last = coords[coords.length - 1];
  if (first && (first[0] !== last[0] || first[1] !== last[1])) { coords.push(first.slice()); }
  return coords;
}

/**
 * The edited layer as GeoJSON, keeping every part and hole: Leaflet's own toGeoJSON
 * turns a one-part MultiPolygon into a Polygon, so rings are rebuilt here.
 */
editor.layerGeometry = function (layer, originalType) {
  const latlngs = layer.getLatLngs();
  const d = depth(latlngs);
  const polys = d === 1 ? [[latlngs]] : d === 2 ? [latlngs] : latlngs;
  const parts = polys.map(function (rings) {
    return rings.map(ringCoords).filter(function (r) { return r.length >= 4; });
  }).filter(function (rings) { return rings.length > 0; });
  if (originalType === "MultiPolygon" || parts.length > 1) {
    return {type: "MultiPolygon", coordinates: parts};
  }
  return {type: "Polygon", coordinates: parts[0] || []};
};

/** The edit the form describes, as the API takes it; null with a message when incomplete. */
function request() {
  const op = operation();
  const body = {operation: op};
  if (op === "move_border" || op === "merge") {
    body.other = byId("gm-other").value;
    if (!body.other) { return fail("pick_neighbour"); }
  }
  if (op === "move_border" || op === "split") {
    if (!editor.line) { return fail("draw_first"); }
    body.line = editor.line;
  }
  if (op === "split" && byId("gm-split-name").value.trim()) {
    body.name = byId("gm-split-name").value.trim();
  }
  if (op === "edit") {
    const layer = unitPolygon();
    if (!layer) { return fail("no_change"); }
    body.geometry = editor.layerGeometry(layer, editor.unitType);
  }
  // The versions of the units this page drew: the server refuses the edit (409) when
  // someone changed them since, instead of applying this line to shapes never shown here.
  if (gm.config().versions) { body.versions = gm.config().versions; }
  return body;
}

function fail(key) {
  common.status(gm.t(key), "error");
  return null;
}

function runPreview() {
  const body = request();
  if (!body) { return Promise.resolve(null); }
  body.confirm_gaps = byId("gm-confirm-gaps").checked;
  byId("gm-save").disabled = true;
  preview.clear(editor);
  return common.send("POST", gm.config().urls.preview, body).then(function (answer) {
    if (answer.status === 409) { return conflict(answer.body); }
    if (answer.status !== 200) {
      common.status(gm.t("preview_failed") + " " + common.errorText(answer.body), "error");
      return null;
    }
    editor.request = body;
    editor.preview = answer.body;
    preview.show(editor, answer.body);
    common.status("", "info");
    document.body.setAttribute("data-gm-preview", String(answer.body.moved_count));
    return answer.body;
  });
}

function save() {
  const reason = byId("gm-reason").value.trim();
  if (!reason) {
    byId("gm-reason").focus();
    return Promise.resolve(fail("reason_required"));
  }
  const body = Object.assign({}, editor.request, {reason: reason, confirm_gaps: byId("gm-confirm-gaps").checked});
  const headers = {"If-Match": editor.preview.token};
  return common.send("PUT", gm.config().urls.save, body, headers).then(function (answer) {
    if (answer.status === 409) { return conflict(answer.body); }
    if (answer.status !== 200) {
      common.status(gm.t("save_failed") + " " + common.errorText(answer.body), "error");
      return;
    }
    common.status(common.fmt("saved", {edit: answer.body.edit}), "ok");
    document.body.setAttribute("data-gm-saved", String(answer.body.edit));
  });
}

function conflict(body) {
  byId("gm-conflict-message").textContent = common.errorText(body);
  byId("gm-conflict").hidden = false;
  byId("gm-save").disabled = true;
  document.body.setAttribute("data-gm-conflict", "1");
}

function wire() {
  document.querySelectorAll("input[name='operation']").forEach(function (input) {
    input.addEventListener("change", showControls);
  });
  byId("gm-draw").addEventListener("click", startLine);
  byId("gm-finish").addEventListener("click", finishLine);
  byId("gm-vertices").addEventListener("click", startVertices);
  byId("gm-preview").addEventListener("click", function () {
    // A new preview may show other gaps: they need a confirmation of their own.
    byId("gm-confirm-gaps").checked = false;
    runPreview();
  });
  byId("gm-save").addEventListener("click", save);
  byId("gm-confirm-gaps").addEventListener("change", runPreview);
  byId("gm-reload").addEventListener("click", function () { window.location.reload(); });
  byId("gm-editor-form").addEventListener("submit", function (event) { event.preventDefault(); });
  editor.map.on("pm:create", onCreate);
}

function start() {
  editor.map = common.makeMap("gm-editor-map");
  editor.siblings = layerOf(STYLES.sibling);
  editor.children = layerOf(STYLES.child);
  editor.unit = layerOf(STYLES.unit);
  editor.drawn = L.featureGroup().addTo(editor.map);
  editor.problems = L.geoJSON(null, Object.assign({style: STYLES.problem}, PREVIEW_LAYER)).addTo(editor.map);
  editor.areaParts = L.featureGroup().addTo(editor.map);
  editor.movedHouseholds = L.featureGroup().addTo(editor.map);
  showControls();
  wire();
  load();
}

start();
window.gridmap = {editor: editor};
