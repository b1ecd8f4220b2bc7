/* gridmap: the map's own controls: search, township filter, legend with colour switch. */
import * as gm from "./gridmap-base.js";
import {styles} from "./map-styles.js";
import {state} from "./map-state.js";

function control(position, className, build) {
  const ctl = L.control({position: position});
  ctl.onAdd = function () {
    const box = L.DomUtil.create("div", "leaflet-bar gm-control " + className);
    // Typing, scrolling and clicking in a control must not move the map.
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    build(box);
    return box;
  };
  return ctl;
}

function resultItem(unit, pick) {
  const button = gm.el("button", "gm-result");
  button.type = "button";
  gm.append(button, gm.el("span", "gm-result-name", unit.name), gm.el("span", "gm-muted", gm.t(String(unit.level), "level") + " · " + unit.code));
  button.addEventListener("click", function () { pick(unit); });
  return gm.append(gm.el("li"), button);
}

/** The search box: finds units by code or name and hands the chosen one to onPick. */
export function search(onPick) {
  return control("topleft", "gm-search", function (box) {
    const form = gm.el("form", "gm-search-form");
    form.setAttribute("role", "search");
    const input = gm.el("input", "form-control form-control-sm");
    input.type = "search";
    input.name = "q";
    input.placeholder = gm.t("search_placeholder");
    input.setAttribute("aria-label", gm.t("search"));
    input.autocomplete = "off";
    const list = gm.el("ul", "gm-results");
    list.hidden = true;
    gm.append(box, gm.append(form, input), list);
    let timer = null;
    let latest = [];
    let asked = 0;

    function pick(unit) {
      list.hidden = true;
      input.value = unit.name;
      onPick(unit);
    }
    function show(units) {
      latest = units;
      gm.clear(list);
      units.forEach(function (u) { list.appendChild(resultItem(u, pick)); });
      if (!units.length) { list.appendChild(gm.el("li", "gm-muted gm-none", gm.t("no_match"))); }
      list.hidden = false;
    }
    function ask(then) {
      const q = input.value.trim();
      const mine = (asked += 1);
      if (!q) {
        list.hidden = true;
        return;
      }
      gm.fetchJSON(gm.url(gm.config().urls.search, {q: q}, false)).then(function (data) {
        if (mine === asked) {
          show(data.units || []);
          if (then) { then(); }
        }
      }).catch(function (err) { console.error("gridmap: search failed:", err); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      // Enter takes the best match, once the answer for what was typed is in.
      ask(function () { if (latest.length) { pick(latest[0]); } });
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { list.hidden = true; }
    });
  });
}

/** The township filter: a select of townships; onChange gets a code or null. */
export function townships(choices, onChange) {
  let select = null;
  const ctl = control("topleft", "gm-filter", function (box) {
    const label = gm.el("label", "gm-filter-label", gm.t("township_filter"));
    select = gm.el("select", "form-select form-select-sm");
    select.id = "gm-township";
    label.htmlFor = select.id;
    const all = gm.el("option", null, gm.t("whole_county"));
    all.value = "";
    select.appendChild(all);
    choices.forEach(function (t) {
      const option = gm.el("option", null, t.name);
      option.value = t.code;
      select.appendChild(option);
    });
    select.addEventListener("change", function () { onChange(select.value || null); });
    gm.append(box, label, select);
  });
  ctl.setValue = function (code) {
    if (select) { select.value = code || ""; }
  };
  return ctl;
}

function legendItem(colour, text, shape) {
  const item = gm.el("li");
  const mark = gm.el("span", "gm-swatch" + (shape ? " gm-swatch-" + shape : ""));
  if (colour) { mark.style.background = colour; }
  return gm.append(item, mark, text);
}

function statusItems(list, mode) {
  const names = gm.config()[mode] || {};
  Object.keys(names).forEach(function (status) {
    list.appendChild(legendItem(styles.colour(mode, status), names[status]));
  });
}

// Only visit colouring marks doubtful check-ins, so only its legend names them.
function markItems(list, mode) {
  if (mode !== "visit") {
    return;
  }
  const item = legendItem(styles.colour("visit", "visited"), gm.t("doubtful_visit"), "doubtful");
  item.className = "gm-legend-doubtful";
  item.firstChild.style.borderColor = styles.doubtfulColour();
  list.appendChild(item);
}

function otherItems(list) {
  const colours = gm.config().colours;
  list.appendChild(legendItem(null, gm.t("layer_gaps"), "gap"));
  list.appendChild(legendItem(colours.coverage.outside_grid, gm.t("layer_outside"), "dot"));
  list.appendChild(legendItem(null, gm.t("monitored", "category"), "ring"));
  Object.keys(colours.worker).forEach(function (s) {
    const item = legendItem(null, gm.t("worker") + " · " + gm.t(s, "worker"), "worker");
    item.firstChild.style.color = colours.worker[s];
    list.appendChild(item);
  });
}

function modeSwitch(box, onMode) {
  const group = gm.el("fieldset", "gm-mode");
  gm.append(group, gm.el("legend", null, gm.t("colour_by")));
  ["coverage", "visit"].forEach(function (mode) {
    const id = "gm-mode-" + mode;
    const input = gm.el("input", "form-check-input");
    input.type = "radio";
    input.name = "gm-mode";
    input.id = id;
    input.value = mode;
    input.checked = mode === state.mode;
    input.addEventListener("change", function () { if (input.checked) { onMode(mode); } });
    const label = gm.el("label", "form-check-label", gm.t(mode + "_status"));
    label.htmlFor = id;
    gm.append(group, gm.append(gm.el("div", "form-check form-check-inline"), input, label));
  });
  box.appendChild(group);
}

/** The legend: colour switch, statuses of the chosen mode and their marks, other symbols, a zoom hint. */
export function legend(onMode) {
  let statuses = null;
  let marks = null;
  let hint = null;
  const ctl = control("bottomright", "gm-legend", function (box) {
    box.id = "gm-legend";
    gm.append(box, gm.el("h2", "gm-legend-title", gm.t("legend")));
    modeSwitch(box, function (mode) {
      onMode(mode);
      ctl.refresh();
    });
    statuses = gm.el("ul", "gm-legend-list gm-legend-statuses");
    marks = gm.el("ul", "gm-legend-list gm-legend-marks");
    const others = gm.el("ul", "gm-legend-list");
    otherItems(others);
    hint = gm.el("p", "gm-hint gm-muted");
    gm.append(box, statuses, marks, others, hint);
  });
  ctl.refresh = function (hintText) {
    if (!statuses) { return; }
    gm.clear(statuses);
    statusItems(statuses, state.mode);
    gm.clear(marks);
    markItems(marks, state.mode);
    if (hintText !== undefined) {
      hint.textContent = hintText;
      hint.hidden = !hintText;
    }
  };
  return ctl;
}

/** A one-line notice at the bottom left, hidden until there is something to say. */
export function notice() {
  return control("bottomleft", "gm-notice-box", function (box) {
    const text = gm.el("div", "gm-notice");
    text.id = "gm-notice";
    text.hidden = true;
    box.hidden = true;
    box.appendChild(text);
  });
}
