/* gridmap: fit a unit into the part of the grid map that the side panel and the legend leave free. */
import * as gm from "./gridmap-base.js";
import {mark} from "./map-state.js";

/** Space kept between what is fitted and whatever covers the map. */
const MARGIN = 8;

function union(a, b) {
  return {left: Math.min(a.left, b.left), right: Math.max(a.right, b.right),
    top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom)};
}

/** The box (relative to the map) around the visible controls of one corner, e.g. "top.right"; null if none. */
function cornerBox(map, corner) {
  const box = map.getContainer().getBoundingClientRect();
  const column = map.getContainer().querySelector(".leaflet-" + corner.replace(".", ".leaflet-"));
  return Array.from(column ? column.children : []).reduce(function (found, node) {
    const r = node.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) {
      return found; // hidden: the notice until there is something to say
    }
    const rect = {left: r.left - box.left, right: r.right - box.left, top: r.top - box.top, bottom: r.bottom - box.top};
    return found ? union(found, rect) : rect;
  }, null);
}

/** Width of the side panel over the map's right edge (0 when it is closed). */
function panelInset(map) {
  const panel = gm.byId("gm-panel");
  if (!panel || panel.hidden) {
    return 0;
  }
  return Math.max(0, map.getContainer().getBoundingClientRect().right - panel.getBoundingClientRect().left);
}

/**
 * How far the controls on the right (the layer list and the legend) reach into the map:
 * `across` to keep beside them, `top` and `bottom` to keep between the corners' stacks.
 * The left ones (zoom, search, filter) are left out: they are small, and keeping clear of
 * them too would cost the county its closest zoom on a laptop's screen.
 */
function rightInsets(map, size) {
  const top = cornerBox(map, "top.right");
  const bottom = cornerBox(map, "bottom.right");
  const across = [top, bottom].filter(Boolean).reduce(function (w, r) { return Math.max(w, size.x - r.left); }, 0);
  return {across: across, top: top ? top.bottom : 0, bottom: bottom ? size.y - bottom.top : 0};
}

/**
 * The two ways of keeping clear of the panel and the controls on the right: beside them, or
 * between the top and bottom corners' stacks (and beside the panel, which is as tall as the map).
 * With the panel open the controls sit beside it: `across` already counts it.
 */
function paddings(map) {
  const size = map.getSize();
  const panel = panelInset(map);
  const right = rightInsets(map, size);
  return [
    {paddingTopLeft: L.point(MARGIN, MARGIN), paddingBottomRight: L.point(Math.max(panel, right.across) + MARGIN, MARGIN)},
    {paddingTopLeft: L.point(MARGIN, right.top + MARGIN), paddingBottomRight: L.point(panel + MARGIN, right.bottom + MARGIN)},
  ];
}

/**
 * Fit `bounds` inside the free part of the map: the way of keeping clear of the panel and
 * the controls that allows the closest zoom (no closer than `maxZoom` unless it is null).
 * `label` is marked on the page once it is in view; the mark is empty while the map moves.
 */
export function fitFree(map, bounds, maxZoom, label) {
  let best = null;
  let bestZoom = -Infinity;
  paddings(map).forEach(function (p) {
    const zoom = map.getBoundsZoom(bounds, false, p.paddingTopLeft.add(p.paddingBottomRight));
    if (zoom > bestZoom) {
      best = p;
      bestZoom = zoom;
    }
  });
  mark("fitted", "");
  map.once("moveend", function () { mark("fitted", label || ""); });
  map.fitBounds(bounds, Object.assign(maxZoom == null ? {} : {maxZoom: maxZoom}, best));
}
