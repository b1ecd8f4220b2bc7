/* gridmap: the editor's preview: problems on the map, area changes, moved households. */
(function (gm) {
  "use strict";
  const common = gm.editorCommon;
  const preview = (gm.editorPreview = {});

  function byId(id) {
    return document.getElementById(id);
  }

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

  function areas(changes) {
    const rows = Object.keys(changes || {}).sort().map(function (code) {
      return [code, gm.formatNumber(changes[code], 1)];
    });
    table(byId("gm-areas"), [gm.t("unit"), gm.t("change_m2")], rows);
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
  preview.newCodes = function (body, known) {
    const codes = body.new_codes || {};
    const created = Object.keys(codes).map(function (key) { return codes[key]; });
    Object.keys(body.area_change_m2 || {}).forEach(function (code) {
      // Codes that a merge gives up (keys of new_codes) are old, not created.
      const recoded = Object.prototype.hasOwnProperty.call(codes, code);
      if (!known[code] && !recoded && created.indexOf(code) < 0) { created.push(code); }
    });
    return created.sort();
  };

  function newCodes(body, known) {
    const node = byId("gm-new-codes");
    const created = preview.newCodes(body, known);
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
  preview.show = function (editor, body) {
    byId("gm-result").hidden = false;
    byId("gm-conflict").hidden = true;
    problems(editor, body.problems || []);
    areas(body.area_change_m2);
    moved(body);
    newCodes(body, editor.known || {});
    verdict(body);
  };
})(window.gridmap);
