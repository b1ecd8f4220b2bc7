/* gridmap: fit a unit into the part of the grid map that the side panel and legend leave free. */
(function (gm) {
  "use strict";
  /** Space kept between what is fitted and whatever covers the map. */
  const MARGIN = 8;

  /** Rectangles (relative to the map) of the visible controls in one corner, e.g. "top.right". */
  function cornerRects(map, corner) {
    const box = map.getContainer().getBoundingClientRect();
    const column = map.getContainer().querySelector(".leaflet-" + corner.replace(".", ".leaflet-"));
    return Array.from(column ? column.children : []).map(function (node) {
      const r = node.getBoundingClientRect();
      return {left: r.left - box.left, right: r.right - box.left, top: r.top - box.top,
        bottom: r.bottom - box.top, shown: r.width > 0 && r.height > 0};
    }).filter(function (r) { return r.shown; });
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
   * The two ways to keep clear of the panel and the controls on the right (the legend and
   * the layer list): beside them, or between the top and bottom corners' stacks.
   */
  function paddings(map) {
    const size = map.getSize();
    const panel = panelInset(map);
    const top = cornerRects(map, "top.right");
    const bottom = cornerRects(map, "bottom.right");
    const beside = top.concat(bottom).reduce(function (w, r) { return Math.max(w, size.x - r.left); }, panel);
    const above = top.reduce(function (h, r) { return Math.max(h, r.bottom); }, 0);
    const below = bottom.reduce(function (h, r) { return Math.max(h, size.y - r.top); }, 0);
    return [
      {paddingTopLeft: L.point(MARGIN, MARGIN), paddingBottomRight: L.point(beside + MARGIN, MARGIN)},
      {paddingTopLeft: L.point(MARGIN, above + MARGIN), paddingBottomRight: L.point(panel + MARGIN, below + MARGIN)},
    ];
  }

  /**
   * Fit `bounds` inside the free part of the map: the way of keeping clear of the panel and
   * the controls that allows the closest zoom. `label` is marked on the page once it is in view.
   */
  gm.fitFree = function (map, bounds, maxZoom, label) {
    let best = null;
    let bestZoom = -Infinity;
    paddings(map).forEach(function (p) {
      const zoom = map.getBoundsZoom(bounds, false, p.paddingTopLeft.add(p.paddingBottomRight));
      if (zoom > bestZoom) {
        best = p;
        bestZoom = zoom;
      }
    });
    map.once("moveend", function () { gm.layers.mark("fitted", label || ""); });
    map.fitBounds(bounds, Object.assign({maxZoom: maxZoom}, best));
  };
})(window.gridmap);
