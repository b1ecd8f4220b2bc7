/* gridmap: the editor's preview: problems on the map, area changes, moved households. */
import * as gm from "./gridmap-base.js";
import * as common from "./editor-common.js";

const byId = gm.byId;
const STYLES = {
  // Coloured like the history page's comparison: green what a unit gains, red what it loses.
  gained: {color: "#2e7d32", weight: 1, dashArray: "4 3", fillColor: "#66bb6a", fillOpacity: 0.45},
  lost: {color: "#c62828", weight: 1, dashArray: "4 3", fillColor: "#ef5350", fillOpacity: 0.45},
  moved: {radius: 6, color: "#4a148c", weight: 2, fillColor: "#ffeb3b", fillOpacity: 1},
};
const QUIET = {pmIgnore: true, snapIgnore: true, interactive: false};

function row(cells, tag) {
  const tr = gm.el("tr");
  cells.forEach(function (c) { tr.appendChild(gm.el(tag || "td", null, c)); });
  return tr;
}

function table(node, head, rows) {
  gm.clear(node);
  node.appendChild(gm.append(gm.el("thead"), row(head, "th")));
  const body = gm.el("tbody");
  rows.forEach(function (cells) { body.appendChild(row(cells)); });
  node.appendChild(body);
  node.hidden = rows.length === 0;
}

function problems(editor, list) {
  const node = gm.clear(byId("gm-problems"));
  editor.problems.clearLayers();
  list.forEach(function (p) {
    const text = p.text || p.message || p.detail || p.rule;
    const item = gm.el("li", "gm-problem", text);
    item.setAttribute("data-rule", p.rule);
    item.setAttribute("data-code", p.code || p.rule);
    node.appendChild(item);
    if (p.geometry) { editor.problems.addData(p.geometry); }
  });
}

/** Per unit: the area it gains, the area it loses and the net change. */
function areas(body) {
  const changes = body.area_change_m2 || {};
  const parts = body.area_parts || {};
  const rows = Object.keys(changes).sort().map(function (code) {
    const part = parts[code] || {gained: {}, lost: {}};
    return [code, gm.formatNumber(part.gained.area_m2 || 0, 1),
      gm.formatNumber(part.lost.area_m2 || 0, 1), gm.formatNumber(changes[code], 1)];
  });
  table(byId("gm-areas"), [gm.t("unit"), gm.t("gained_m2"), gm.t("lost_m2"), gm.t("change_m2")], rows);
}

function drawParts(editor, parts) {
  Object.keys(parts || {}).sort().forEach(function (code) {
    ["gained", "lost"].forEach(function (side) {
      const geometry = parts[code][side].geometry;
      if (!geometry) { return; }
      const layer = L.geoJSON(geometry, Object.assign({style: STYLES[side]}, QUIET));
      layer.eachLayer(function (item) { item.options.className = "gm-area-" + side; });
      editor.areaParts.addLayer(layer);
    });
  });
}

/** Each household that would move as a marker where it stands, "from → to" on hover. */
function drawMoved(editor, list) {
  list.forEach(function (m) {
    if (m.lon == null || m.lat == null) { return; }
    const marker = L.circleMarker([m.lat, m.lon], Object.assign({
      className: "gm-moved-household", pmIgnore: true, snapIgnore: true,
    }, STYLES.moved));
    marker.bindTooltip(m.household + ": " + (m.from || "–") + " → " + (m.to || "–"));
    editor.movedHouseholds.addLayer(marker);
  });
}

/** Take the last preview off the map and out of the panel. */
export function clear(editor) {
  byId("gm-result").hidden = true;
  editor.problems.clearLayers();
  editor.areaParts.clearLayers();
  editor.movedHouseholds.clearLayers();
}

/** Households leaving and arriving per unit. */
function perUnit(moved) {
  const counts = {};
  moved.forEach(function (m) {
    [[m.from, 0], [m.to, 1]].forEach(function (pair) {
      const key = pair[0] || "–";
      counts[key] = counts[key] || [0, 0];
      counts[key][pair[1]] += 1;
    });
  });
  return Object.keys(counts).sort().map(function (code) {
    return [code, "−" + counts[code][0], "+" + counts[code][1]];
  });
}

function moved(body) {
  const count = byId("gm-moved-count");
  count.textContent = common.fmt("moved_count", {count: body.moved_count});
  count.setAttribute("data-count", String(body.moved_count));
  table(byId("gm-moved-per-unit"), [gm.t("unit"), gm.t("from"), gm.t("to")], perUnit(body.moved || []));
  const rows = (body.moved || []).map(function (m) { return [m.household, m.from || "–", m.to || "–"]; });
  table(byId("gm-moved"), [gm.t("household"), gm.t("from"), gm.t("to")], rows);
}

/** Codes the edit creates: re-coded units and units that did not exist before. */
function createdCodes(body, known) {
  const codes = body.new_codes || {};
  const created = Object.keys(codes).map(function (key) { return codes[key]; });
  Object.keys(body.area_change_m2 || {}).forEach(function (code) {
    // Codes that a merge gives up (keys of new_codes) are old, not created.
    const recoded = Object.prototype.hasOwnProperty.call(codes, code);
    if (!known[code] && !recoded && created.indexOf(code) < 0) { created.push(code); }
  });
  return created.sort();
}

function showNewCodes(body, known) {
  const node = byId("gm-new-codes");
  const created = createdCodes(body, known);
  node.textContent = created.length ? gm.t("new_code") + ": " + created.join(", ") : "";
  node.setAttribute("data-codes", created.join(","));
}

function verdict(body) {
  const rules = (body.problems || []).map(function (p) { return p.rule; });
  const gapsOnly = rules.length > 0 && rules.every(function (r) { return r === "gap"; });
  byId("gm-gaps-box").hidden = !gapsOnly;
  const text = body.ok ? gm.t("ok") : gapsOnly ? gm.t("gaps_only") : gm.t("blocked");
  byId("gm-verdict").textContent = text;
  byId("gm-verdict").setAttribute("data-ok", body.ok ? "1" : "0");
  byId("gm-save").disabled = !body.ok;
}

/** Show a preview answer on the map and in the panel. */
export function show(editor, body) {
  byId("gm-result").hidden = false;
  byId("gm-conflict").hidden = true;
  clear(editor);
  byId("gm-result").hidden = false;
  problems(editor, body.problems || []);
  areas(body);
  drawParts(editor, body.area_parts);
  drawMoved(editor, body.moved || []);
  moved(body);
  showNewCodes(body, editor.known || {});
  verdict(body);
}
