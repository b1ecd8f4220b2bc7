/*
 * gridmap: a unit's history: versions, two drawn together with their difference, undo.
 *
 * The page's entry module. Its one global, window.gridmap.history, holds the versions, the
 * map and its layers for people debugging.
 */
import * as gm from "./gridmap-base.js";
import * as common from "./editor-common.js";

const byId = gm.byId;
const hist = {versions: []};
const STYLES = {
  a: {color: "#c62828", weight: 3, dashArray: "8 6", fill: false},
  b: {color: "#0d47a1", weight: 2, fillColor: "#64b5f6", fillOpacity: 0.15},
  lost: {color: "#c62828", weight: 1, fillColor: "#ef5350", fillOpacity: 0.6},
  gained: {color: "#2e7d32", weight: 1, fillColor: "#66bb6a", fillOpacity: 0.6},
};

function picked(name) {
  const input = document.querySelector("input[name='" + name + "']:checked");
  return input ? Number(input.value) : null;
}

function radio(name, version, checked) {
  const input = gm.el("input", "form-check-input");
  input.type = "radio";
  input.name = name;
  input.value = String(version);
  input.checked = checked;
  input.setAttribute("aria-label", name + " " + version);
  input.addEventListener("change", draw);
  return gm.append(gm.el("td"), input);
}

function undoCell(version) {
  const button = gm.el("button", "btn btn-sm btn-outline-danger gm-undo", gm.t("undo"));
  button.type = "button";
  button.setAttribute("data-edit", String(version.edit));
  button.addEventListener("click", function () { undo(version.edit); });
  return gm.append(gm.el("td"), button);
}

function cells(v) {
  return [String(v.version), v.kind + " #" + v.edit, v.author || "", v.valid_from || "",
    v.valid_to || "", v.reason || "", gm.formatNumber(v.households_moved)];
}

function fillTable(versions) {
  const body = gm.clear(byId("gm-versions").querySelector("tbody"));
  const last = versions.length - 1;
  versions.forEach(function (v, i) {
    const tr = gm.el("tr");
    tr.setAttribute("data-version", String(v.version));
    tr.setAttribute("data-edit", String(v.edit));
    gm.append(tr, radio("a", v.version, i === Math.max(0, last - 1)), radio("b", v.version, i === last));
    cells(v).forEach(function (text, k) { tr.appendChild(gm.el("td", k === 5 ? "gm-reason" : null, text)); });
    // An import is replaced by importing again or by edits; undoing it would empty the grid.
    if (gm.config().isAdmin) { tr.appendChild(v.kind === "import" ? gm.el("td") : undoCell(v)); }
    body.appendChild(tr);
  });
}

function geometryOf(version) {
  const found = hist.versions.filter(function (v) { return v.version === version; })[0];
  return found ? found.geometry : null;
}

function draw() {
  const a = picked("a");
  const b = picked("b");
  hist.layers.clearLayers();
  if (a == null || b == null) { return Promise.resolve(null); }
  L.geoJSON(geometryOf(b), {style: STYLES.b}).addTo(hist.layers);
  L.geoJSON(geometryOf(a), {style: STYLES.a}).addTo(hist.layers);
  const url = gm.url(gm.config().urls.compare, {a: a, b: b}, false);
  return gm.fetchJSON(url).then(function (diff) {
    if (diff.lost.geometry) { L.geoJSON(diff.lost.geometry, {style: STYLES.lost}).addTo(hist.layers); }
    if (diff.gained.geometry) { L.geoJSON(diff.gained.geometry, {style: STYLES.gained}).addTo(hist.layers); }
    common.status(gm.t("lost") + ": " + gm.formatNumber(diff.lost.area_m2) + " m² · " +
      gm.t("gained") + ": " + gm.formatNumber(diff.gained.area_m2) + " m²", "info");
    document.body.setAttribute("data-gm-compare", a + ":" + b);
    const bounds = hist.layers.getBounds();
    if (bounds.isValid()) { hist.map.fitBounds(bounds.pad(0.2)); }
    return diff;
  });
}

function undo(editId) {
  const reason = byId("gm-undo-reason").value.trim();
  if (!reason) {
    byId("gm-undo-reason").focus();
    common.status(gm.t("reason_required"), "error");
    return Promise.resolve(null);
  }
  const url = gm.config().urls.undo + encodeURIComponent(editId) + "/undo";
  return common.send("POST", url, {reason: reason}).then(function (answer) {
    if (answer.status !== 200) {
      common.status(gm.t("undo_failed") + " " + common.errorText(answer.body), "error");
      document.body.setAttribute("data-gm-undo", "refused");
      return null;
    }
    common.status(common.fmt("undone", {edit: answer.body.edit}), "ok");
    document.body.setAttribute("data-gm-undo", String(answer.body.edit));
    return load();
  });
}

function load() {
  return gm.fetchJSON(gm.config().urls.history).then(function (body) {
    hist.versions = body.versions || [];
    fillTable(hist.versions);
    return draw();
  }).then(function () {
    document.body.setAttribute("data-gm-ready", "1");
  }).catch(function (err) {
    console.error("gridmap: history not loaded:", err);
    common.status(gm.t("load_failed"), "error");
    document.body.setAttribute("data-gm-ready", "error");
  });
}

hist.map = common.makeMap("gm-history-map");
hist.layers = L.featureGroup().addTo(hist.map);
hist.map.setView([0, 0], 2);
load();
window.gridmap = {history: hist};
