/* gridmap: the map's small layers: gaps, households outside the grid, workers, unit counts. */
import * as gm from "./gridmap-base.js";
import {styles} from "./map-styles.js";
import {failed, mark, notice, panel, registry, state} from "./map-state.js";

const MAX_OUTSIDE_PAGES = 20; // 10,000 households: more would freeze an old PC

function openUnit(code) {
  if (panel()) { panel().showUnit(code); }
}

function openHousehold(code) {
  if (panel()) { panel().showHousehold(code); }
}

// Fetched the first time the layer is shown; hidden layers cost nothing.
function lazy(group) {
  group.on("add", function () {
    if (!group.gmLoaded && state.ready) {
      group.gmLoaded = true;
      group.gmReload();
    }
  });
  return group;
}

const SVG = "http://www.w3.org/2000/svg";

/** Add the hatching of the gaps layer: an SVG pattern its paths fill with (url(#gm-hatch)). */
export function addHatch() {
  const colour = (gm.config().colours.gap || {}).line || "#c62828";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "gm-defs");
  svg.setAttribute("aria-hidden", "true");
  const pattern = document.createElementNS(SVG, "pattern");
  const attrs = {id: "gm-hatch", patternUnits: "userSpaceOnUse", width: "8", height: "8", patternTransform: "rotate(45)"};
  Object.keys(attrs).forEach(function (k) { pattern.setAttribute(k, attrs[k]); });
  const back = document.createElementNS(SVG, "rect");
  back.setAttribute("width", "8");
  back.setAttribute("height", "8");
  back.setAttribute("fill", colour);
  back.setAttribute("fill-opacity", "0.08");
  const line = document.createElementNS(SVG, "line");
  [["x1", "0"], ["y1", "0"], ["x2", "0"], ["y2", "8"], ["stroke", colour], ["stroke-width", "3"], ["stroke-opacity", "0.55"]]
    .forEach(function (a) { line.setAttribute(a[0], a[1]); });
  pattern.appendChild(back);
  pattern.appendChild(line);
  const defs = document.createElementNS(SVG, "defs");
  defs.appendChild(pattern);
  svg.appendChild(defs);
  document.body.appendChild(svg);
}

function gapTooltip(props) {
  const box = gm.el("div");
  gm.append(box, gm.el("strong", null, gm.t("gap")));
  gm.append(box, gm.el("div", null, gm.t("gap_area") + ": " + gm.formatNumber(props.area_m2) + " m²"));
  return gm.append(box, gm.el("div", "gm-muted", props.code));
}

/** Areas of units that none of their children cover: hatched, with a red dashed edge. */
export function gapsLayer() {
  const line = (gm.config().colours.gap || {}).line || "#c62828";
  const group = L.geoJSON(null, {
    style: {color: line, weight: 2.5, dashArray: "6 4", fillColor: "url(#gm-hatch)", fillOpacity: 1},
    bubblingMouseEvents: false, // the map's own click would open the unit below
    onEachFeature: function (feature, item) {
      item.bindTooltip(gapTooltip(feature.properties || {}), {sticky: true});
      item.on("click", function () { openUnit(feature.properties.code); });
    },
  });
  group.gmReload = function () {
    group.clearLayers();
    return gm.fetchJSON(gm.url(gm.config().urls.gaps, {unit: state.township}, false))
      .then(function (data) {
        group.addData(data);
        mark("gaps", (data.features || []).length);
      })
      .catch(failed);
  };
  return lazy(group);
}

function outsideMarker(feature, renderer) {
  const c = feature.geometry.coordinates;
  const marker = L.circleMarker([c[1], c[0]], {
    renderer: renderer,
    bubblingMouseEvents: false,
    radius: 5.5,
    color: "#ffffff",
    weight: 1.5,
    fillColor: styles.colour("coverage", "outside_grid"),
    fillOpacity: 0.95,
  });
  marker.bindTooltip(gm.el("span", null, gm.t("outside_grid", "coverage") + " · " + feature.properties.code));
  marker.on("click", function () { openHousehold(feature.properties.code); });
  return marker;
}

/** Households outside every grid, from the paged households API: they must stand out. */
export function outsideLayer() {
  const group = L.featureGroup();
  let generation = 0;
  function loadPage(page, renderer, mine) {
    const url = gm.url(gm.config().urls.households, {status: "outside_grid", unit: state.township, page: page});
    return gm.fetchJSON(url).then(function (data) {
      if (mine !== generation) {
        return; // the filter changed meanwhile
      }
      renderer = renderer || (data.total > 2000 ? L.canvas({pane: "gm-outside"}) : L.svg({pane: "gm-outside"}));
      (data.features || []).forEach(function (f) {
        if (f.geometry) { group.addLayer(outsideMarker(f, renderer)); }
      });
      const more = page * data.page_size < data.total;
      if (more && page < MAX_OUTSIDE_PAGES) {
        return loadPage(page + 1, renderer, mine);
      }
      mark("outside", group.getLayers().length);
      if (more) { notice(gm.t("truncated").replace("{n}", gm.formatNumber(group.getLayers().length))); }
    });
  }
  group.gmReload = function () {
    generation += 1;
    group.clearLayers();
    return loadPage(1, null, generation).catch(failed);
  };
  return lazy(group);
}

function workerMarker(worker) {
  const known = gm.config().vocab.workerStatuses;
  const status = known.indexOf(worker.status) >= 0 ? worker.status : known[known.length - 1];
  const glyph = gm.el("i", "fa-solid fa-house-user");
  glyph.setAttribute("aria-hidden", "true");
  const marker = L.marker([worker.lat, worker.lon], {
    icon: L.divIcon({className: "gm-worker gm-worker-" + status, html: glyph, iconSize: [24, 24], iconAnchor: [12, 12]}),
    title: worker.name == null ? "" : String(worker.name),
  });
  const tip = gm.el("div");
  gm.append(tip, gm.el("strong", null, worker.name), gm.el("div", "gm-muted", gm.t(status, "worker")));
  marker.bindTooltip(tip, {direction: "top", offset: [0, -10]});
  marker.on("click", function () {
    if (panel()) { panel().showWorker(worker); }
  });
  return marker;
}

/** Show these workers' homes (those with a known home) in the workers layer. */
export function showWorkers(workers) {
  const group = registry.workers;
  if (!group) {
    return;
  }
  group.clearLayers();
  workers.forEach(function (w) {
    if (w.lat != null && w.lon != null) { group.addLayer(workerMarker(w)); }
  });
  mark("workers", group.getLayers().length);
}

function countTooltip(props) {
  const box = gm.el("div");
  gm.append(box, gm.el("strong", null, props.name), gm.el("div", "gm-muted", props.code));
  gm.append(box, gm.el("div", null, gm.t("households") + ": " + gm.formatNumber(props.households)));
  const share = props.households ? (props.households - props.covered) / props.households : 0;
  gm.append(box, gm.el("div", null, gm.t("uncovered_share") + ": " + gm.formatShare(share)));
  // Named only where there are some: most units have none, and then it is noise.
  if (Number(props.doubtful_visit) > 0) {
    gm.append(box, gm.el("div", "gm-doubtful", gm.t("doubtful_visit") + ": " + gm.formatNumber(props.doubtful_visit)));
  }
  return box;
}

function countMarker(props, at, z, renderer) {
  const marker = L.circleMarker(at, {renderer: renderer, bubblingMouseEvents: false});
  marker.gmProps = props;
  marker.gmZoom = z;
  marker.gmRenderer = renderer;
  marker.setStyle(countStyle(marker));
  marker.bindTooltip(countTooltip(props), {sticky: true});
  marker.on("click", function () { openUnit(props.code); });
  return marker;
}

function countStyle(marker) {
  return L.extend({renderer: marker.gmRenderer}, styles.count(marker.gmProps, marker.gmZoom, state.mode));
}

// Every unit of a freshly drawn tile that has no circle yet gets one.
function addCounts(map, grid, coords, counts) {
  const tile = grid._vectorTiles && grid._vectorTiles[grid._tileCoordsToKey(coords)];
  if (!tile || coords.z >= gm.config().zooms.points) {
    return;
  }
  const size = grid.getTileSize();
  Object.keys(tile._features).forEach(function (id) {
    const f = tile._features[id].feature;
    const p = f.properties;
    if (p.households == null || counts.gmShown[p.code] || !f._point) {
      return;
    }
    const at = map.unproject(L.point(coords.x * size.x + f._point.x, coords.y * size.y + f._point.y), coords.z);
    counts.gmShown[p.code] = countMarker(p, at, coords.z, counts.gmRenderer);
    counts.addLayer(counts.gmShown[p.code]);
  });
  mark("counts", counts.getLayers().length);
}

/**
 * Below the point zoom the households tile holds one point per unit with its counts;
 * they are drawn here as whole SVG circles, one per unit however many tiles hold it
 * (a tile's canvas would cut a big circle at the tile's edge).
 */
export function countsLayer(map, grid) {
  const counts = L.featureGroup();
  counts.gmRenderer = L.svg({pane: "gm-households"});
  counts.gmShown = {};
  let scale = null;
  counts.gmClear = function () {
    counts.clearLayers();
    counts.gmShown = {};
    mark("counts", 0);
  };
  counts.gmRestyle = function () {
    counts.eachLayer(function (m) { m.setStyle(countStyle(m)); });
  };
  grid.on("tileload", function (e) { addCounts(map, grid, e.coords, counts); });
  map.on("zoomend", function () {
    // Circles keep their place; only another aggregation (or none) replaces them.
    const z = map.getZoom();
    const zooms = gm.config().zooms;
    const now = z >= zooms.points ? "points" : z >= zooms.level4 ? 4 : 3;
    if (now !== scale) {
      scale = now;
      counts.gmClear();
    }
  });
  return counts;
}

/** The workers' homes: filled by showWorkers as the view changes. */
export function workersLayer() {
  return L.featureGroup();
}
