/*
 * gridmap: the small map on a unit's page: its outline, its children by uncovered share, its projects.
 *
 * The page's entry module; folium's generated script runs after it and calls
 * gridmap.unitMap.start(map), the one global it sets (window.gridmap).
 */
import * as gm from "./gridmap-base.js";
import {styles} from "./map-styles.js";
import * as projects from "./projects.js";

const unitMap = {};

/** Uncovered-share classes, worst last: [lower bound, colour]. */
const CLASSES = [[0, "#a5d6a7"], [0.05, "#fff59d"], [0.15, "#ffb74d"], [0.3, "#e57373"]];

function shareColour(share) {
  let colour = "#e0e0e0";
  CLASSES.forEach(function (c) {
    if (share != null && share >= c[0]) { colour = c[1]; }
  });
  return colour;
}

function tooltip(props, share) {
  const box = gm.el("div");
  gm.append(box, gm.el("strong", null, props.name), gm.el("div", "gm-muted", props.code));
  if (share != null) {
    gm.append(box, gm.el("div", null, gm.t("uncovered_share") + ": " + gm.formatShare(share)));
  }
  return box;
}

function legend() {
  const ctl = L.control({position: "bottomright"});
  ctl.onAdd = function () {
    const box = L.DomUtil.create("div", "leaflet-bar gm-control gm-legend");
    gm.append(box, gm.el("div", "gm-legend-title", gm.t("uncovered_share")));
    const list = gm.el("ul", "gm-legend-list");
    CLASSES.forEach(function (c, i) {
      const next = CLASSES[i + 1];
      const text = next ? gm.formatShare(c[0]) + " – " + gm.formatShare(next[0]) : "≥ " + gm.formatShare(c[0]);
      const swatch = gm.el("span", "gm-swatch");
      swatch.style.background = c[1];
      list.appendChild(gm.append(gm.el("li"), swatch, text));
    });
    return gm.append(box, list);
  };
  return ctl;
}

function childrenLayer(map) {
  const shares = gm.config().children || {};
  return L.geoJSON(null, {
    style: function (f) {
      return {color: "#37474f", weight: 1, fillColor: shareColour(shares[f.properties.code]), fillOpacity: 0.55};
    },
    onEachFeature: function (feature, item) {
      const code = feature.properties.code;
      item.bindTooltip(tooltip(feature.properties, shares[code]), {sticky: true});
      item.on("click", function () {
        window.location.assign(gm.url(gm.config().urls.unitPage + encodeURIComponent(code)));
      });
    },
  }).addTo(map);
}

// Single households only: counts per unit would be cut at the tiles' edges, and the
// children's colours already tell the share.
function householdsLayer(map, unit) {
  map.createPane("gm-households").style.zIndex = "410";
  return L.vectorGrid.protobuf(gm.url(gm.config().urls.householdTiles, {unit: unit.code}), {
    rendererFactory: L.canvas.tile,
    pane: "gm-households",
    vectorTileLayerStyles: {households: styles.household(function () { return "coverage"; }, true)},
    getFeatureId: function (f) { return f.properties.code; },
    maxNativeZoom: 22,
  }).addTo(map);
}

// The unit's funded projects with their popups; the /projects page has the filters.
function projectsLayer(map, unit) {
  const config = gm.config();
  return projects.addTo(map, {
    url: gm.url(config.urls.projects, {unit: unit.code}, false),
    control: false,
    text: {categories: config.project_category, statuses: config.project_status, text: config.project_text},
  });
}

/** Start the unit map: folium calls this after building the map. */
unitMap.start = function (map) {
  const config = gm.config();
  const unit = config.unit;
  const urls = config.urls;
  map.getContainer().style.background = config.background || "";
  gm.baseMap(map, config.basemap);
  const outline = L.geoJSON(null, {style: {color: "#111", weight: 3, fill: false}, interactive: false});
  const children = unit.level < 4 ? childrenLayer(map) : null;
  if (unit.level >= 3) { householdsLayer(map, unit); } // villages and groups
  if (children) { legend().addTo(map); }
  projectsLayer(map, unit);
  const own = gm.url(urls.units, {level: unit.level, parent: unit.parent}, false);
  const below = gm.url(urls.units, {level: unit.level + 1, parent: unit.code}, false);
  Promise.all([gm.fetchJSON(own), children ? gm.fetchJSON(below) : Promise.resolve(null)])
    .then(function (both) {
      const mine = (both[0].features || []).filter(function (f) { return f.properties.code === unit.code; });
      outline.addData({type: "FeatureCollection", features: mine}).addTo(map);
      if (children && both[1]) { children.addData(both[1]); }
      if (!config.fitted && outline.getBounds().isValid()) { map.fitBounds(outline.getBounds()); }
      document.body.setAttribute("data-gm-children", String(children ? children.getLayers().length : 0));
      document.body.setAttribute("data-gm-ready", "1");
    })
    .catch(function (err) {
      console.error("gridmap: unit map data not loaded:", err);
      document.body.setAttribute("data-gm-ready", "error");
    });
};

window.gridmap = {unitMap: unitMap};
