/* gridmap: helpers shared by the boundary editor and the history page. */
import * as gm from "./gridmap-base.js";

/** The page's CSRF token from <meta name="csrf-token">. */
export function csrf() {
  const meta = document.querySelector("meta[name='csrf-token']");
  return meta ? meta.getAttribute("content") : "";
}

/** A translated word with %(name)s placeholders filled in. */
export function fmt(key, values) {
  return gm.t(key).replace(/%\((\w+)\)s/g, function (all, name) {
    return values && values[name] != null ? String(values[name]) : all;
  });
}

/** Send JSON to this host with the CSRF header; resolves {status, body}. */
export function send(method, url, body, headers) {
  return fetch(url, {
    method: method,
    credentials: "same-origin",
    headers: Object.assign({
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrf(),
    }, headers || {}),
    body: JSON.stringify(body || {}),
  }).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (json) {
      return {status: response.status, body: json};
    });
  });
}

/** A Leaflet map in `id` with the county's base map when one is configured. */
export function makeMap(id) {
  return gm.baseMap(L.map(id, {zoomSnap: 0.25}), gm.config().basemap);
}

/** Show a message in the page's status line (kind: "info", "error" or "ok"). */
export function status(text, kind) {
  const node = document.getElementById("gm-status");
  node.textContent = text || "";
  node.setAttribute("data-kind", kind || "info");
}

/**
 * The error text of an API answer: its wording in the page's language (`text`, and each
 * problem's) when the server sent one, else the English `error` and details.
 */
export function errorText(body) {
  body = body || {};
  if (body.text) {
    return [String(body.text)].concat((body.problems || []).map(function (p) {
      return String(p.text || p.message || "");
    })).filter(Boolean).join(" · ");
  }
  const parts = [body.error ? String(body.error) : ""];
  (body.details || []).forEach(function (d) { parts.push(String(d)); });
  return parts.filter(Boolean).join(" · ");
}
