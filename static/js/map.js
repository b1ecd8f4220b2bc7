/*
 * gridmap: the grid map page (/map): wires layers, controls and the side panel together.
 *
 * The page's entry module. folium's generated script runs after it (both are module
 * scripts, which run in document order) and reaches it through the one global it sets,
 * window.gridmap: folium builds each layer with gridmap.layers.create(kind, map) and then
 * calls gridmap.app.start(map, control). People debugging and the browser tests read
 * gridmap.app (map, view, panel) and gridmap.layers.registry.
 */
import * as gm from "./gridmap-base.js";
import {tiles} from "./map-styles.js";
import {failed, mark, notice, registry, state, tileUrl, usePanel} from "./map-state.js";
import {create, release, reload} from "./map-layers.js";
import {addHatch, showWorkers} from "./map-overlays.js";
import * as controls from "./map-controls.js";
import {createPanel} from "./map-panel.js";
import {createLabels, toRecord} from "./map-labels.js";
import {fitFree} from "./map-fit.js";

/** The page once started: its map, the view that follows it and the side panel. */
const app = {};
/** A level's children are labelled once its units span this many pixels on screen. */
const CHILDREN_FROM_PX = 600;
/** Workers show once a township spans this many pixels (or a township is chosen). */
const WORKERS_FROM_PX = 250;
/** Group names go with the group circles from this zoom; below it they are noise. */
const GROUP_NAMES_FROM_ZOOM = 12;
/** A unit found or linked to is shown no closer than this. */
const FOCUS_MAX_ZOOM = 17;

function grid(kind) {
  const group = registry[kind];
  return group && group.grid;
}

function onScreen(map, metres) {
  if (!metres) {
    return 0;
  }
  return metres / gm.metresPerPixel(map.getCenter().lat, map.getZoom());
}

// The level in view: children get their turn once their parents are large on screen.
function levelInView(map, labels) {
  const zooms = gm.config().zooms;
  const span2 = labels.span(2);
  const span3 = labels.span(3) || (span2 && span2 / 2);
  let level = 2;
  if (onScreen(map, span2) >= CHILDREN_FROM_PX && map.getZoom() >= zooms.level3) {
    level = 3;
  }
  if (level === 3 && onScreen(map, span3) >= CHILDREN_FROM_PX && map.getZoom() >= zooms.level4) {
    level = 4;
  }
  return level;
}

// Which units' workers to show: the chosen township, the townships in view once they
// are large on screen, or everything the user may see when that is less than a township.
function workerScopes(map, data, labels) {
  if (state.township) {
    return [state.township];
  }
  if (data.top.level > 2) {
    return [""];
  }
  if (onScreen(map, labels.span(2)) < WORKERS_FROM_PX) {
    return null;
  }
  const view = map.getBounds();
  return data.townships
    .filter(function (t) { return t.bounds.intersects(view); })
    .map(function (t) { return t.code; });
}

function fetchWorkers(code, cache) {
  cache[code] = cache[code] || gm.fetchJSON(gm.url(gm.config().urls.workers, {unit: code}, false))
    .then(function (data) { return data.workers || []; }, function (err) { delete cache[code]; throw err; });
  return cache[code];
}

/** Show the workers' homes fitting the view; returns a hint when they need a closer look. */
function workersInView(map, data, labels, cache) {
  const group = registry.workers;
  if (!group || !map.hasLayer(group)) {
    return null;
  }
  const scopes = workerScopes(map, data, labels);
  if (scopes === null) {
    showWorkers([]);
    return gm.t("zoom_for_workers");
  }
  Promise.all(scopes.map(function (code) { return fetchWorkers(code, cache); })).then(function (lists) {
    const byCode = {};
    lists.forEach(function (list) { list.forEach(function (w) { byCode[w.code] = w; }); });
    showWorkers(Object.keys(byCode).map(function (k) { return byCode[k]; }));
  }).catch(failed);
  return null;
}

function clickTarget(map, latlng) {
  const households = grid("households");
  if (households && map.hasLayer(households)) {
    const point = tiles.pointAt(households, latlng, 3);
    if (point) {
      const p = point.properties;
      return p.households != null ? {unit: p.code} : {household: p.code};
    }
  }
  const units = grid("units");
  if (!units || !map.hasLayer(units)) {
    return null;
  }
  const hits = tiles.polygonsAt(units, latlng)
    .map(function (f) { return f.properties; })
    .filter(function (p) { return Number(p.level) <= state.activeLevel; })
    .sort(function (a, b) { return Number(b.level) - Number(a.level); });
  return hits.length ? {unit: hits[0].code} : null;
}

function unitRecords(level) {
  return gm.fetchJSON(gm.url(gm.config().urls.units, {level: level}, false)).then(function (data) {
    const records = (data.features || []).map(toRecord).filter(Boolean);
    mark("units-" + level, records.length);
    return records;
  });
}

// The finest of levels 3 and 4 that holds units the user may see (a worker sees groups).
function topBelowTownships(level) {
  return unitRecords(level).then(function (records) {
    return records.length || level === 4 ? {level: level, records: records} : topBelowTownships(level + 1);
  });
}

/** The county, its townships and the top units the user may see (townships for most). */
function loadCounty() {
  return Promise.all([unitRecords(1), unitRecords(2)]).then(function (both) {
    const data = {county: both[0], townships: both[1], top: {level: 2, records: both[1]}};
    if (both[1].length) {
      return data;
    }
    return topBelowTownships(3).then(function (top) {
      data.top = top;
      return data;
    });
  });
}

// Zoom to the unit named in ?unit= and show it in the panel.
function focusOn(map, panel, code) {
  gm.fetchJSON(gm.url(gm.config().urls.search, {q: code}, false)).then(function (data) {
    const hit = (data.units || []).filter(function (u) { return u.code === code; })[0];
    if (hit) {
      panel.showUnit(code);
      fitFree(map, bboxBounds(hit.bbox), FOCUS_MAX_ZOOM, code);
    }
  }).catch(failed);
}

function bboxBounds(b) {
  return L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]);
}

function extent(records) {
  const bounds = L.latLngBounds([]);
  records.forEach(function (r) { bounds.extend(r.bounds); });
  return bounds;
}

// The level named on the map: the level in view, or the groups while circles count them.
function labelLevel(map) {
  const zoom = map.getZoom();
  const groupCircles = zoom >= GROUP_NAMES_FROM_ZOOM && zoom < (gm.config().zooms.points || 13);
  return groupCircles ? Math.max(state.activeLevel, 4) : state.activeLevel;
}

function hintFor(map, workersHint) {
  const points = map.getZoom() >= gm.config().zooms.points;
  let hint = points ? "" : gm.t("zoom_for_points");
  return [hint, workersHint].filter(Boolean).join(" ");
}

/** What follows the map's view: level in view, names, workers, hints and the filter. */
function View(map, data, legend) {
  const view = this;
  this.map = map;
  this.data = data;
  this.legend = legend;
  this.workerCache = {};
  this.pending = null;
  this.labels = createLabels(map, registry.labels, data.top, function () { view.schedule(); });
  this.filter = controls.townships(data.townships, function (code) { view.setTownship(code); });
  if (data.townships.length > 1) {
    this.filter.addTo(map); // a township's staff have nothing to choose
  }
  this.whole = extent(data.county.length ? data.county : data.top.records);
  // Several counties (a city or province reviewer's roll-up) are fitted together.
  this.wholeCode = data.county.map(function (c) { return c.code; }).join(",");
}

View.prototype.refresh = function () {
  this.pending = null;
  const level = Math.max(levelInView(this.map, this.labels), this.data.top.level);
  if (level !== state.activeLevel) {
    state.activeLevel = level;
    if (grid("units")) { tiles.restyle(grid("units")); }
  }
  this.labels.update(labelLevel(this.map));
  const workersHint = workersInView(this.map, this.data, this.labels, this.workerCache);
  this.legend.refresh(hintFor(this.map, workersHint));
  mark("level", state.activeLevel);
  mark("zoom", this.map.getZoom());
};

View.prototype.schedule = function () {
  this.pending = this.pending || window.requestAnimationFrame(this.refresh.bind(this));
};

/** Show one township (a code) or the whole county (null) on every layer, and fit it. */
View.prototype.setTownship = function (code) {
  state.township = code || null;
  this.filter.setValue(state.township);
  registry.households.counts.gmClear();
  grid("units").setUrl(tileUrl("unitTiles"));
  grid("households").setUrl(tileUrl("householdTiles"));
  ["gaps", "outside", "projects"].forEach(function (kind) { reload(kind); });
  const chosen = this.data.townships.filter(function (t) { return t.code === state.township; })[0];
  const target = chosen ? chosen.bounds : this.whole;
  if (target.isValid()) { fitFree(this.map, target, null, state.township || this.wholeCode); }
  mark("township", state.township || "");
  this.schedule();
};

/** Fit the county, let the layers load and follow the map from now on. */
View.prototype.start = function (panel) {
  const map = this.map;
  if (!this.data.county.length && !this.data.top.records.length) {
    notice(gm.t("empty"));
  } else if (!gm.config().fitted && this.whole.isValid()) {
    fitFree(map, this.whole, null, this.wholeCode);
  }
  state.ready = true;
  release();
  ["gaps", "outside", "projects"].forEach(function (kind) { reload(kind); });
  map.on("moveend zoomend overlayadd", this.schedule, this);
  map.on("click", function (e) {
    const target = clickTarget(map, e.latlng);
    if (target && target.household) { panel.showHousehold(target.household); }
    if (target && target.unit) { panel.showUnit(target.unit); }
  });
  map.on("mousemove", function (e) {
    const households = grid("households");
    const over = households && map.hasLayer(households) && tiles.pointAt(households, e.latlng, 3);
    map.getContainer().classList.toggle("gm-over-point", Boolean(over));
  });
  this.refresh();
  mark("ready", "1");
  if (gm.config().focus) { focusOn(map, panel, gm.config().focus); }
};

function setMode(mode) {
  state.mode = mode;
  if (grid("households")) { tiles.restyle(grid("households")); }
  registry.households.counts.gmRestyle();
  mark("mode", mode);
  if (app.view) { app.view.refresh(); }
}

function makePanel() {
  return createPanel({
    onSelect: function (code) {
      state.selected = code;
      if (grid("units")) { tiles.restyle(grid("units")); }
    },
    onTownship: function (code) { if (app.view) { app.view.setTownship(code); } },
  });
}

/** Start the page: folium calls this after building the map, its layers and their control. */
app.start = function (map) {
  app.map = map;
  map.getContainer().style.background = gm.config().background || "";
  gm.baseMap(map, gm.config().basemap); // first: the notice stacks above its scale bar
  addHatch();
  controls.notice().addTo(map);
  const legend = controls.legend(setMode).addTo(map);
  const panel = (app.panel = makePanel());
  usePanel(panel);
  controls.search(function (unit) {
    panel.showUnit(unit.code); // open first: the fit keeps clear of it
    fitFree(map, bboxBounds(unit.bbox), FOCUS_MAX_ZOOM, unit.code);
  }).addTo(map);
  if (panel.picker) {
    // Several counties: the map shows the one picked in the panel, and nothing before.
    panel.showPicker(gm.config().countyRequired ? gm.t("choose_county") : "");
    if (gm.config().countyRequired) {
      mark("ready", "county");
      return;
    }
  }
  loadCounty().then(function (data) {
    app.view = new View(map, data, legend);
    app.view.start(panel);
  }).catch(function (err) {
    failed(err);
    mark("ready", "error");
  });
};

window.gridmap = {app: app, layers: {create: create, registry: registry}};
