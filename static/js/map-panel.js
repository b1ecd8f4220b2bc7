/* gridmap: the side panel with a unit's figures, a household's or a grid worker's details. */
import * as gm from "./gridmap-base.js";
import {styles} from "./map-styles.js";
import {contactsSection, fillContacts, monitoringSection, row, unstaffedSection} from "./map-panel-field.js";

/** Pairings listed in the panel; the unit's page lists them all. */
const PAIRINGS_LISTED = 8;
const PERSONAL = ["last_visit_on", "head_name", "members", "id_number", "phone", "address", "declared_group"];

function swatch(colour) {
  const box = gm.el("span", "gm-swatch");
  box.style.background = colour;
  return box;
}

function linkButton(text, onClick) {
  const button = gm.el("button", "btn btn-link btn-sm p-0 gm-link", text);
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

function statusValue(mode, status) {
  return gm.append(gm.el("span"), swatch(styles.colour(mode, status)), gm.t(status, mode));
}

function unitFigures(u) {
  const list = gm.el("dl", "gm-figures");
  row(list, "households", gm.t("households"), gm.formatNumber(u.households), u.households);
  row(list, "monitored", gm.t("monitored"), gm.formatNumber(u.monitored), u.monitored);
  row(list, "workers_active", gm.t("workers_active"), gm.formatNumber(u.workers_active), u.workers_active);
  row(list, "load_per_worker", gm.t("load_per_worker"), gm.formatNumber(u.load_per_worker, 1), u.load_per_worker);
  const bar = gm.el("span", "gm-bar");
  const fill = gm.append(bar, gm.el("span", "gm-bar-fill")).firstChild;
  fill.style.width = Math.round(Math.min(1, Number(u.uncovered_share) || 0) * 100) + "%";
  row(list, "uncovered_share", gm.t("uncovered_share"), gm.append(gm.el("span"), gm.formatShare(u.uncovered_share), bar), u.uncovered_share);
  const rate = u.households ? u.visited / u.households : null;
  row(list, "visit_rate", gm.t("visit_rate"), gm.formatShare(rate), rate == null ? "" : rate.toFixed(4));
  if (u.doubtful_visit != null) {
    const doubtful = gm.el("span", Number(u.doubtful_visit) > 0 ? "gm-doubtful" : null, gm.formatNumber(u.doubtful_visit));
    row(list, "doubtful_visit", gm.t("doubtful_visits"), doubtful, u.doubtful_visit);
  }
  if (Number(u.gap_area_m2) > 0) {
    row(list, "gap_area_m2", gm.t("gap_area"), gm.formatNumber(u.gap_area_m2) + " m²", u.gap_area_m2);
  }
  return list;
}

function statusCounts(u) {
  const list = gm.el("dl", "gm-figures gm-statuses");
  gm.config().vocab.coverageStatuses.forEach(function (s) {
    const share = u.households ? " (" + gm.formatShare(u[s] / u.households) + ")" : "";
    const shown = gm.append(gm.el("span"), swatch(styles.colour("coverage", s)), gm.formatNumber(u[s]) + share);
    row(list, s, gm.t(s, "coverage"), shown, u[s]);
  });
  return list;
}

/** The household's group as a link; outside every grid, that it is (not the county it lies in). */
function householdUnit(h, showUnit) {
  if (h.coverage_status === "outside_grid") {
    return gm.el("span", "gm-outside-grid", gm.t("outside_grid", "coverage"));
  }
  return h.unit ? linkButton((h.unit_name || "") + " " + h.unit, function () { showUnit(h.unit); }) : null;
}

function householdFigures(h, showUnit) {
  const list = gm.el("dl", "gm-figures");
  row(list, "unit", gm.t("unit"), householdUnit(h, showUnit), h.unit);
  row(list, "category", gm.t("category"), h.category ? gm.t(h.category, "category") : null, h.category);
  row(list, "monitor_kind", gm.t("monitor_kind"), h.monitor_kind, h.monitor_kind);
  row(list, "risk_eliminated", gm.t("risk_eliminated"), gm.t(h.risk_eliminated ? "yes" : "no"), h.risk_eliminated);
  row(list, "coverage_status", gm.t("coverage_status"), statusValue("coverage", h.coverage_status), h.coverage_status);
  row(list, "visit_status", gm.t("visit_status"), statusValue("visit", h.visit_status), h.visit_status);
  if (styles.isDoubtful(h)) {
    const note = gm.el("span", "gm-doubtful", gm.t("doubtful_checkin"));
    row(list, "doubtful_visit", gm.t("last_checkin"), note, true);
  }
  PERSONAL.forEach(function (key) {
    row(list, key, gm.t(key), h[key] == null ? null : String(h[key]), h[key]);
  });
  return list;
}

function workerFigures(w, showUnit) {
  const list = gm.el("dl", "gm-figures");
  row(list, "status", gm.t("status"), gm.t(w.status, "worker"), w.status);
  row(list, "birth_year", gm.t("birth_year"), w.birth_year == null ? null : String(w.birth_year), w.birth_year);
  row(list, "load", gm.t("load"), gm.formatNumber(w.load), w.load);
  row(list, "capacity", gm.t("capacity"), gm.formatNumber(w.capacity), w.capacity);
  const groups = gm.el("span", "gm-groups");
  (w.groups || []).forEach(function (g) {
    gm.append(groups, linkButton(g, function () { showUnit(g); }), " ");
  });
  row(list, "groups", gm.t("groups"), groups, (w.groups || []).join(" "));
  return list;
}

function pairingItem(p) {
  const item = gm.el("li", "gm-pairing");
  item.setAttribute("data-kind", p.kind);
  item.setAttribute("data-village", p.village_code);
  const village = p.village_name || p.village_code;
  gm.append(item, gm.el("span", "gm-pairing-partner", p.partner), " ↔ ", gm.el("span", "gm-pairing-village", village));
  return gm.append(item, gm.el("div", "gm-muted", gm.t(p.kind, "pairing_kind")));
}

/** Enterprises and county leaders paired with the unit's villages: counts, list, download. */
function pairingsBody(section, data, code) {
  const list = gm.el("dl", "gm-figures");
  Object.keys(data.counts || {}).forEach(function (kind) {
    const n = data.counts[kind];
    row(list, "pairings_" + kind, gm.t(kind, "pairing_kind"), gm.formatNumber(n), n);
  });
  const pairings = data.pairings || [];
  gm.append(section, list);
  if (!pairings.length) {
    return gm.append(section, gm.el("p", "gm-muted", gm.t("no_pairings")));
  }
  const items = gm.el("ul", "gm-pairings-list");
  pairings.slice(0, PAIRINGS_LISTED).forEach(function (p) { items.appendChild(pairingItem(p)); });
  gm.append(section, items);
  if (pairings.length > PAIRINGS_LISTED) {
    const more = gm.t("more_pairings").replace("{n}", gm.formatNumber(pairings.length - PAIRINGS_LISTED));
    gm.append(section, gm.el("p", "gm-muted", more));
  }
  const link = gm.el("a", "btn btn-link btn-sm p-0", gm.t("pairings_xlsx"));
  link.href = gm.url(gm.config().urls.pairingsXlsx, {unit: code}, false);
  link.setAttribute("download", "");
  return gm.append(section, link);
}

/** The panel: hidden until something is shown; options.onSelect/onTownship are optional. */
function Panel(options) {
  this.options = options || {};
  this.token = 0;
  this.element = gm.el("aside", "gm-panel");
  this.element.id = "gm-panel";
  this.element.hidden = true;
  this.element.setAttribute("aria-live", "polite");
  const close = gm.el("button", "btn-close gm-panel-close");
  close.type = "button";
  close.title = gm.t("close");
  close.setAttribute("aria-label", gm.t("close"));
  close.addEventListener("click", this.close.bind(this));
  this.body = gm.el("div", "gm-panel-body");
  gm.append(this.element, close);
  // The page's county picker (for accounts that see several counties) stays above the body.
  this.picker = document.getElementById("gm-county-picker");
  if (this.picker) {
    gm.append(this.element, this.picker);
    const form = this.picker;
    form.querySelector("select").addEventListener("change", function () { form.submit(); });
  }
  gm.append(this.element, this.body);
  document.body.appendChild(this.element);
  const panel = this;
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.element.hidden) { panel.close(); }
  });
}

Panel.prototype.open = function (kind, code, selected) {
  this.token += 1;
  gm.clear(this.body);
  this.element.hidden = false;
  this.element.setAttribute("data-kind", kind);
  this.element.setAttribute("data-code", code == null ? "" : String(code));
  this.element.removeAttribute("data-loaded");
  document.body.classList.add("gm-panel-open");
  gm.append(this.body, gm.el("p", "gm-muted", gm.t("loading")));
  if (this.options.onSelect) { this.options.onSelect(selected); }
  return this.token;
};

/** Clear the panel for its content; false when another click won meanwhile. */
Panel.prototype.loaded = function (mine) {
  if (mine !== this.token) {
    return false;
  }
  gm.clear(this.body);
  this.element.setAttribute("data-loaded", "1");
  return true;
};

Panel.prototype.failed = function (mine, err) {
  if (mine === this.token) {
    gm.clear(this.body);
    gm.append(this.body, gm.el("p", "text-danger", gm.t("load_error")));
  }
  console.error("gridmap: panel data not loaded:", err);
};

Panel.prototype.heading = function (kicker, title) {
  gm.append(this.body, gm.el("div", "gm-kicker", kicker), gm.el("h2", "gm-title", title));
};

Panel.prototype.parentLink = function (code, mine) {
  const parent = gm.parentOf(code);
  if (!parent) {
    return;
  }
  const panel = this;
  const button = linkButton(gm.t("parent_unit") + ": " + parent, function () { panel.showUnit(parent); });
  gm.append(this.body, gm.append(gm.el("div", "gm-parent"), button));
  // The search endpoint is cheap and gives the parent's name.
  gm.fetchJSON(gm.url(gm.config().urls.search, {q: parent}, false)).then(function (data) {
    const hit = (data.units || []).filter(function (u) { return u.code === parent; })[0];
    if (hit && mine === panel.token) {
      button.textContent = gm.t("parent_unit") + ": " + hit.name;
    }
  }).catch(function () { /* the code stays as the link's text */ });
};

Panel.prototype.unitActions = function (u) {
  const actions = gm.el("div", "gm-actions");
  const link = gm.el("a", "btn btn-primary btn-sm", gm.t("open_unit_page"));
  link.href = gm.url(gm.config().urls.unitPage + encodeURIComponent(u.code));
  gm.append(actions, link);
  const onTownship = this.options.onTownship;
  if (u.level >= 2 && onTownship) {
    const only = gm.el("button", "btn btn-outline-secondary btn-sm", gm.t("show_township_only"));
    only.type = "button";
    only.addEventListener("click", function () { onTownship(String(u.code).slice(0, 9)); });
    gm.append(actions, only);
  }
  if (gm.config().canEdit && u.level >= 2) {
    // Only administrators' pages say canEdit; the editor refuses everyone else anyway.
    [["edit_boundary", "/edit", "gm-panel-edit"], ["unit_history", "/history", "gm-panel-history"]].forEach(function (spec) {
      const a = gm.el("a", "btn btn-outline-secondary btn-sm", gm.t(spec[0]));
      a.id = spec[2];
      a.href = gm.url(gm.config().urls.unitPage + encodeURIComponent(u.code) + spec[1], null, false);
      gm.append(actions, a);
    });
  }
  return actions;
};

/** Show a unit's summary from /api/v1/units/<code>. */
Panel.prototype.showUnit = function (code) {
  const panel = this;
  const mine = this.open("unit", code, code);
  // Both at once; the pairings wait for the unit's figures to have a place to go.
  const pairings = gm.fetchJSON(gm.url(gm.config().urls.unit + encodeURIComponent(code) + "/pairings", null, false));
  pairings.catch(function () { /* reported where it is shown, or moot if the unit failed */ });
  gm.fetchJSON(gm.url(gm.config().urls.unit + encodeURIComponent(code))).then(function (u) {
    if (!panel.loaded(mine)) { return; }
    panel.heading(gm.t(String(u.level), "level") + " · " + u.code, u.name);
    panel.parentLink(u.code, mine);
    const section = gm.el("section", "gm-pairings");
    section.id = "gm-panel-pairings";
    gm.append(section, gm.el("h3", "gm-subtitle", gm.t("pairings")), gm.el("p", "gm-muted", gm.t("loading")));
    const monitoring = u.monitoring ? monitoringSection(u.monitoring) : null;
    const unstaffed = u.groups_without_worker ? unstaffedSection(u.groups_without_worker, panel.showUnit.bind(panel)) : null;
    gm.append(panel.body, unitFigures(u), gm.el("h3", "gm-subtitle", gm.t("coverage_status")), statusCounts(u), unstaffed, monitoring, section, panel.unitActions(u));
    panel.showPairings(section, pairings, mine, u.code);
  }).catch(function (err) { panel.failed(mine, err); });
};

/** Fill the pairings section once they arrive (unless another click won meanwhile). */
Panel.prototype.showPairings = function (section, pairings, mine, code) {
  const panel = this;
  pairings.then(function (data) {
    if (mine !== panel.token) { return; }
    section.removeChild(section.lastChild); // "Loading…"
    pairingsBody(section, data, code);
    section.setAttribute("data-loaded", "1");
  }, function (err) {
    if (mine !== panel.token) { return; }
    section.lastChild.textContent = gm.t("load_error");
    console.error("gridmap: pairings not loaded:", err);
  });
};

/** Show a household's details from /api/v1/households/<code>. */
Panel.prototype.showHousehold = function (code) {
  const panel = this;
  const mine = this.open("household", code, null);
  // Both at once, as for a unit's pairings.
  const contacts = gm.fetchJSON(gm.url(gm.config().urls.household + encodeURIComponent(code) + "/contacts", null, false));
  contacts.catch(function () { /* reported where it is shown, or moot if the household failed */ });
  gm.fetchJSON(gm.url(gm.config().urls.household + encodeURIComponent(code))).then(function (h) {
    if (!panel.loaded(mine)) { return; }
    panel.heading(gm.t("household"), h.code);
    const section = contactsSection();
    gm.append(panel.body, householdFigures(h, panel.showUnit.bind(panel)), section);
    panel.showContacts(section, contacts, mine);
  }).catch(function (err) { panel.failed(mine, err); });
};

/** Fill the contacts section once they arrive (unless another click won meanwhile). */
Panel.prototype.showContacts = function (section, contacts, mine) {
  const panel = this;
  contacts.then(function (data) {
    if (mine === panel.token) { fillContacts(section, data); }
  }, function (err) {
    if (mine !== panel.token) { return; }
    section.lastChild.textContent = gm.t("load_error");
    console.error("gridmap: contacts not loaded:", err);
  });
};

/** Show a grid worker (the data came with the workers layer). */
Panel.prototype.showWorker = function (w) {
  const mine = this.open("worker", w.code, null);
  this.loaded(mine);
  this.heading(gm.t("worker") + " · " + w.code, w.name);
  gm.append(this.body, workerFigures(w, this.showUnit.bind(this)));
};

Panel.prototype.close = function () {
  this.token += 1;
  this.element.hidden = true;
  document.body.classList.remove("gm-panel-open");
  if (this.options.onSelect) { this.options.onSelect(null); }
};

/** Open the panel on its county picker alone, with `hint` (when a county must be picked). */
Panel.prototype.showPicker = function (hint) {
  this.token += 1;
  gm.clear(this.body);
  if (hint) { gm.append(this.body, gm.el("p", "gm-muted", hint)); }
  this.element.hidden = false;
  this.element.setAttribute("data-kind", "county");
  document.body.classList.add("gm-panel-open");
};

/** Create the side panel. */
export function createPanel(options) {
  return new Panel(options);
}
