/*
 * gridmap: a campaign's map: who is still waiting for a visit, and (muted) who was visited.
 *
 * The page's entry module. Its one global, window.gridmap.campaignMap, holds the map and its
 * layers once they are drawn, for people debugging and the browser tests.
 */
import * as gm from "./gridmap-base.js";

const page = (window.gridmap = {campaignMap: null});

/** Drawn in this order, so the households still waiting lie on top. */
const KINDS = ["visited", "unvisited"];
const STYLES = {
  unvisited: {radius: 5, color: "#922b21", fillColor: "#e74c3c", fillOpacity: 0.85, weight: 1},
  visited: {radius: 4, color: "#6c757d", fillColor: "#adb5bd", fillOpacity: 0.6, weight: 1},
};

const el = gm.el;

function popup(data, props) {
  const box = el("div");
  const category = data.category[props.category] || props.category || "";
  box.append(el("strong", null, props.code), el("div", null, (props.unit_name || props.unit || "") + " · " + category));
  if (props.last_visit_on) {
    box.append(el("div", "text-muted", data.lastVisit + ": " + props.last_visit_on));
  }
  return box;
}

function loadLayer(data, kind) {
  return fetch(data.urls[kind], {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
    .then(function (r) {
      if (!r.ok) { throw new Error(kind + ": HTTP " + r.status); }
      return r.json();
    })
    .then(function (geo) {
      const layer = L.geoJSON(geo, {
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, STYLES[kind]); },
        onEachFeature: function (f, item) { item.bindPopup(function () { return popup(data, f.properties); }); },
      });
      return {kind: kind, geo: geo, layer: layer};
    });
}

/** The legend: a switch per layer with its colour and how many households it draws. */
function legend(map, data, loaded) {
  const ctl = L.control({position: "topright"});
  ctl.onAdd = function () {
    const box = L.DomUtil.create("div", "leaflet-bar gm-campaign-legend");
    box.id = "gm-campaign-legend";
    box.append(el("div", "gm-legend-title", data.legend));
    loaded.slice().reverse().forEach(function (entry) {
      const label = el("label", "gm-campaign-legend-item");
      label.setAttribute("data-kind", entry.kind);
      const toggle = el("input");
      toggle.type = "checkbox";
      toggle.checked = true;
      toggle.addEventListener("change", function () {
        if (toggle.checked) { map.addLayer(entry.layer); } else { map.removeLayer(entry.layer); }
      });
      const swatch = el("span", "gm-swatch");
      swatch.style.background = STYLES[entry.kind].fillColor;
      swatch.style.borderColor = STYLES[entry.kind].color;
      const count = el("span", "gm-campaign-count", entry.geo.features.length);
      label.append(toggle, swatch, el("span", null, data.names[entry.kind]), count);
      box.append(label);
    });
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  return ctl.addTo(map);
}

function notes(data, byKind) {
  const waiting = byKind.unvisited.geo;
  const lines = [];
  if (!waiting.features.length && !waiting.unlocated) { lines.push(data.none); }
  if (waiting.truncated) {
    lines.push(data.truncated.replace("{n}", String(waiting.features.length)));
  }
  if (waiting.unlocated) { lines.push(data.unlocated.replace("{n}", String(waiting.unlocated))); }
  return lines.join(" ");
}

function show(map, data, loaded) {
  const byKind = {};
  const bounds = L.latLngBounds([]);
  loaded.forEach(function (entry) {
    byKind[entry.kind] = entry;
    entry.layer.addTo(map);
    if (entry.geo.features.length) { bounds.extend(entry.layer.getBounds()); }
  });
  if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 15, padding: [20, 20]}); }
  legend(map, data, loaded);
  document.getElementById("gm-map-note").textContent = notes(data, byKind);
  page.campaignMap = {map: map, layers: {unvisited: byKind.unvisited.layer, visited: byKind.visited.layer}};
  document.body.dataset.gmMapCount = String(byKind.unvisited.geo.features.length);
  document.body.dataset.gmVisitedCount = String(byKind.visited.geo.features.length);
  document.body.dataset.gmReady = "1";
}

function start() {
  const data = JSON.parse(document.getElementById("gm-campaign-data").textContent);
  const map = gm.baseMap(L.map("gm-campaign-map", {preferCanvas: true}), data.basemap).setView([30, 117], 8);
  Promise.all(KINDS.map(function (kind) { return loadLayer(data, kind); }))
    .then(function (loaded) { show(map, data, loaded); })
    .catch(function (err) {
      document.getElementById("gm-map-note").textContent = data.failed;
      document.body.dataset.gmReady = "error";
      console.error("gridmap: campaign map data not loaded:", err);
    });
}

start();
