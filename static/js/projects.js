/* gridmap: funded projects (衔接资金项目) as a Leaflet layer.
 *
 * Self-contained (needs only Leaflet), so any map page can import it:
 *   const handle = projects.addTo(map, {url: "/api/v1/projects", text: {...}});
 * or, for a layer that a layer control switches, projects.create(map, {...}).
 * Points get a status mark in their category's colour (approved a ring, started half filled,
 * completed filled), polygons are filled in that colour with a status line style, projects without a site sit at their village, dimmed. Clicking
 * shows the project; a control filters by year, category and status. Every text from the
 * server goes in through textContent, never as HTML.
 */

const COLOURS = {
  industry: "#2e7d32", infrastructure: "#1565c0", employment: "#ef6c00",
  public_jobs: "#8e24aa", other: "#616161",
};
const DASHES = {approved: "6 4", started: "2 4", completed: null};
const FALLBACK = {
  categories: {industry: "Industry development", infrastructure: "Infrastructure",
    employment: "Employment support", public_jobs: "Public welfare jobs", other: "Other"},
  statuses: {approved: "Approved", started: "Started", completed: "Completed"},
  text: {year: "Year", category: "Category", status: "Status", all: "All",
    funds: "Funds (10,000 yuan)", central: "Central", provincial: "Provincial", city: "City",
    county: "County", progress: "Progress", village: "Village", asset: "Asset registered",
    yes: "Yes", no: "No", approved_on: "Approved on", started_on: "Started on",
    completed_on: "Completed on", code: "Code", no_site: "No site yet: shown at its village",
    shown: "Projects shown", error: "Projects could not be loaded."},
};

function words(options) {
  const given = options.text || {};
  return {
    categories: Object.assign({}, FALLBACK.categories, given.categories),
    statuses: Object.assign({}, FALLBACK.statuses, given.statuses),
    // The server sends the words in the vocabulary's order; the lists follow it.
    categoryKeys: Object.keys(given.categories || FALLBACK.categories),
    statusKeys: Object.keys(given.statuses || FALLBACK.statuses),
    text: Object.assign({}, FALLBACK.text, given.text),
  };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text != null) { node.textContent = String(text); }
  return node;
}

function formatFunds(value) {
  return Number(value || 0).toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
}

/** A round status mark in a category colour, drawn with CSS so that no font is needed. */
function mark(category, status, located) {
  const colour = COLOURS[category] || "#455a64";
  const fill = {
    approved: "#fff",
    started: "linear-gradient(90deg, " + colour + " 50%, #fff 50%)",
    completed: colour,
  }[status] || colour;
  const span = el("span", "gm-project-symbol");
  span.style.cssText = "display:block;box-sizing:border-box;width:18px;height:18px;" +
    "border-radius:50%;border:3px " + (located ? "solid " : "dotted ") + colour + ";" +
    "background:" + fill + ";box-shadow:0 0 0 1.5px #fff,0 1px 3px rgba(0,0,0,0.45);" +
    (located ? "" : "opacity:0.7;");
  span.setAttribute("data-status", status);
  return span;
}

function symbol(props) {
  const span = mark(props.category, props.status, props.located);
  span.setAttribute("data-code", props.code);
  return L.divIcon({className: "gm-project-icon", html: span, iconSize: [18, 18], iconAnchor: [9, 9], popupAnchor: [0, -9]});
}

function row(list, label, value) {
  if (value == null || value === "") { return; }
  const item = el("div", "gm-project-row");
  item.appendChild(el("span", "gm-project-label", label + ": "));
  item.appendChild(el("span", null, value));
  list.appendChild(item);
}

/** The popup of one project, built node by node. */
function popup(props, w) {
  const t = w.text;
  const box = el("div", "gm-project-popup");
  box.setAttribute("data-code", props.code);
  box.appendChild(el("strong", null, props.name));
  const list = el("div");
  row(list, t.code, props.code);
  row(list, t.year, props.year);
  row(list, t.category, w.categories[props.category] || props.category);
  row(list, t.status, w.statuses[props.status] || props.status);
  row(list, t.funds, formatFunds(props.funds_total) + " (" + [
    [t.central, props.funds_central], [t.provincial, props.funds_provincial],
    [t.city, props.funds_city], [t.county, props.funds_county],
  ].map(function (p) { return p[0] + " " + formatFunds(p[1]); }).join(", ") + ")");
  row(list, t.progress, props.progress == null ? null : props.progress + "%");
  row(list, t.village, (props.village_name || "") + " " + props.village_code);
  row(list, t.approved_on, props.approved_on);
  row(list, t.started_on, props.started_on);
  row(list, t.completed_on, props.completed_on);
  row(list, t.asset, (props.asset_registered ? t.yes : t.no) +
    (props.asset_registered_on ? " (" + props.asset_registered_on + ")" : ""));
  box.appendChild(list);
  if (!props.located) { box.appendChild(el("em", null, t.no_site)); }
  box.style.minWidth = "220px";
  return box;
}

function matches(props, filter) {
  return (!filter.year || String(props.year) === String(filter.year)) &&
    (!filter.category || props.category === filter.category) &&
    (!filter.status || props.status === filter.status);
}

function featureLayer(feature, w) {
  const props = feature.properties;
  const colour = COLOURS[props.category] || COLOURS.other;
  const layer = L.geoJSON(feature, {
    bubblingMouseEvents: false, // a map's own click (a unit's panel) is not meant
    style: function () {
      return {color: colour, weight: 2, dashArray: DASHES[props.status], fillColor: colour, fillOpacity: 0.35};
    },
    pointToLayer: function (f, latlng) {
      return L.marker(latlng, {icon: symbol(props), title: props.name, alt: props.name});
    },
  });
  if (feature.geometry && feature.geometry.type !== "Point") {
    // A small polygon vanishes at county zoom: its status symbol marks it there too.
    const centre = layer.getBounds().getCenter();
    layer.addLayer(L.marker(centre, {icon: symbol(props), title: props.name, alt: props.name}));
  }
  layer.bindPopup(function () { return popup(props, w); });
  return layer;
}

function select(handle, key, options, w) {
  const label = el("label", "gm-project-filter");
  label.style.cssText = "display:block;margin:2px 0;";
  label.appendChild(el("span", null, w.text[key] + " "));
  const box = el("select");
  box.setAttribute("data-gm-filter", key);
  box.appendChild(new Option(w.text.all, ""));
  options.forEach(function (o) { box.appendChild(new Option(o[1], o[0])); });
  box.value = handle.filter[key] ? String(handle.filter[key]) : "";
  box.addEventListener("change", function () {
    const change = {};
    change[key] = box.value || null;
    handle.setFilter(change);
  });
  label.appendChild(box);
  return label;
}

function legendItem(symbolNode, text) {
  const item = el("div");
  item.style.cssText = "display:flex;align-items:center;gap:6px;margin:2px 0;";
  symbolNode.style.flex = "none";
  item.appendChild(symbolNode);
  item.appendChild(document.createTextNode(text));
  return item;
}

function legend(w) {
  const list = el("div", "gm-project-legend");
  list.style.cssText = "margin-top:4px;font-size:12px;";
  w.categoryKeys.forEach(function (c) {
    const swatch = el("span");
    swatch.style.cssText = "display:inline-block;width:12px;height:12px;background:" + COLOURS[c] + ";";
    list.appendChild(legendItem(swatch, w.categories[c]));
  });
  w.statusKeys.forEach(function (s) { list.appendChild(legendItem(mark(null, s, true), w.statuses[s])); });
  list.appendChild(legendItem(mark(null, "completed", false), w.text.no_site));
  return list;
}

function filterControl(handle, w, position) {
  const control = L.control({position: position || "topright"});
  control.onAdd = function () {
    const box = el("div", "leaflet-bar gm-projects-control");
    box.style.cssText = "background:#fff;padding:6px 8px;font-size:13px;max-width:240px;";
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    box.appendChild(select(handle, "year", handle.years().map(function (y) { return [String(y), String(y)]; }), w));
    box.appendChild(select(handle, "category", w.categoryKeys.map(function (c) { return [c, w.categories[c]]; }), w));
    box.appendChild(select(handle, "status", w.statusKeys.map(function (s) { return [s, w.statuses[s]]; }), w));
    handle.countNode = el("div", "gm-projects-count");
    box.appendChild(handle.countNode);
    box.appendChild(legend(w));
    return box;
  };
  control.onRemove = function () { handle.countNode = null; };
  return control;
}

function createHandle(map, options, w) {
  const group = L.featureGroup();
  const handle = {
    layer: group, features: [], layers: {}, control: null, countNode: null, wantsControl: false,
    filter: Object.assign({year: null, category: null, status: null}, options.filters || {}),
  };
  handle.years = function () {
    const seen = {};
    handle.features.forEach(function (f) { seen[f.properties.year] = true; });
    return Object.keys(seen).map(Number).sort(function (a, b) { return b - a; });
  };
  handle.visible = function () { return Object.keys(handle.layers).sort(); };
  handle.redraw = function () {
    group.clearLayers();
    handle.layers = {};
    handle.features.forEach(function (f) {
      if (!matches(f.properties, handle.filter)) { return; }
      handle.layers[f.properties.code] = featureLayer(f, w).addTo(group);
    });
    handle.count();
  };
  handle.count = function () {
    const shown = handle.visible().length;
    map.getContainer().setAttribute("data-gm-projects-shown", String(shown));
    if (handle.countNode) { handle.countNode.textContent = w.text.shown + ": " + shown; }
  };
  handle.setFilter = function (change) {
    Object.assign(handle.filter, change || {});
    handle.redraw();
  };
  /** Show the filter control (on) or take it away; it waits for data, and needs some. */
  handle.showControl = function (on) {
    handle.wantsControl = on;
    if (handle.control) { handle.control.remove(); }
    handle.control = null;
    if (on && handle.features.length) {
      // Built anew: the years to choose from are those of the projects loaded.
      handle.control = filterControl(handle, w, options.position).addTo(map);
      handle.count();
    }
  };
  handle.load = function (url) { return load(map, handle, url); };
  return handle;
}

function load(map, handle, url) {
  const container = map.getContainer();
  container.setAttribute("data-gm-projects-ready", "0");
  return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status + " " + url); }
      return response.json();
    })
    .then(function (data) {
      handle.features = data.features || [];
      handle.redraw();
      handle.showControl(handle.wantsControl);
      container.setAttribute("data-gm-projects-ready", "1");
      return handle;
    }, function (err) {
      container.setAttribute("data-gm-projects-ready", "error");
      throw err;
    });
}

/**
 * A handle on a projects layer for `map` that is neither on the map nor loaded yet:
 * handle.layer is the Leaflet layer, handle.load(url) fetches and draws the projects,
 * handle.showControl(on) shows or hides the filter control (at options.position).
 */
export function create(map, options) {
  options = options || {};
  return createHandle(map, options, words(options));
}

/** Draw the projects from options.url on `map`; returns a handle with a `ready` promise. */
export function addTo(map, options) {
  options = options || {};
  const w = words(options);
  const handle = createHandle(map, options, w);
  handle.layer.addTo(map);
  handle.wantsControl = options.control !== false;
  handle.ready = handle.load(options.url || "/api/v1/projects")
    .catch(function (err) {
      console.error("gridmap: projects not loaded:", err);
      const note = L.control({position: "topright"});
      note.onAdd = function () { return el("div", "leaflet-bar gm-projects-error", w.text.error); };
      note.addTo(map);
      return handle;
    });
  return handle;
}
