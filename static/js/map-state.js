/* gridmap: what the grid map shows now, its layers by kind, and what the page tells the user. */
import * as gm from "./gridmap-base.js";

/** What the map shows now; the controls change it, the layers read it. */
export const state = {
  mode: "coverage", // households coloured by "coverage" or "visit" status
  township: null, // code of the township filter, or null for the whole county
  activeLevel: 2, // the grid level in view: labelled and clickable
  selected: null, // code of the unit in the side panel
  ready: false, // the county is in view: tiles may load
};

/** The map's layers by kind, as folium put them in the layer control. */
export const registry = {};

let sidePanel = null;

/** Mark a fact on the page: read by people debugging and by the browser tests. */
export function mark(name, value) {
  document.body.setAttribute("data-gm-" + name, String(value));
}

/** Let the layers open the side panel (set by the page once the panel exists). */
export function usePanel(p) {
  sidePanel = p;
}

/** The side panel, or null before the page made it. */
export function panel() {
  return sidePanel;
}

/** The tile URL of a layer under the township filter and date. */
export function tileUrl(key) {
  return gm.url(gm.config().urls[key], {unit: state.township});
}

/** Show a short notice at the bottom of the map (replaced by the next one). */
export function notice(text) {
  const box = document.getElementById("gm-notice");
  if (box) {
    box.textContent = text;
    box.hidden = false;
    box.parentElement.hidden = false;
  }
}

/** Log a failed load and tell the user once. */
export function failed(err) {
  console.error("gridmap: data not loaded:", err);
  notice(gm.t("load_error"));
}
