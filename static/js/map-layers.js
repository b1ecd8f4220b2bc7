/* gridmap: the grid map's layers. folium names them and puts them in the layer control. */
(function (gm) {
  "use strict";
  const layers = (gm.layers = {registry: {}});

  /** What the map shows now; the controls change it, the layers read it. */
  const state = (gm.state = {
    mode: "coverage", // households coloured by "coverage" or "visit" status
    township: null, // code of the township filter, or null for the whole county
    activeLevel: 2, // the grid level in view: labelled and clickable
    selected: null, // code of the unit in the side panel
    ready: false, // the county is in view: tiles may load
  });

  /** Panes above the tiles: gaps (overlayPane, 400) < households < names < outside points. */
  const PANES = {"gm-households": 410, "gm-labels": 420, "gm-outside": 430};
  /** Village counts come from tiles this many zooms below the group counts' first zoom. */
  const VILLAGE_COUNTS_BELOW = 3;
  let panel = null;

  function ensurePanes(map) {
    Object.keys(PANES).forEach(function (name) {
      if (!map.getPane(name)) {
        map.createPane(name).style.zIndex = String(PANES[name]);
      }
    });
    map.getPane("gm-labels").style.pointerEvents = "none";
  }

  function mark(name, value) {
    // Read by people debugging and by the browser tests.
    document.body.setAttribute("data-gm-" + name, String(value));
  }

  layers.mark = mark;

  /** Let the layers open the side panel (set by the page once the panel exists). */
  layers.usePanel = function (p) {
    panel = p;
  };

  /** The side panel, or null before the page made it. */
  layers.panel = function () {
    return panel;
  };

  /** Build the layer of `kind` for folium's map; called from the page's inline script. */
  layers.create = function (kind, map) {
    ensurePanes(map);
    const layer = FACTORIES[kind](map);
    layer.gmKind = kind;
    layers.registry[kind] = layer;
    return layer;
  };

  /** The tile URL of a layer under the township filter and date. */
  layers.tileUrl = function (key) {
    return gm.url(gm.config().urls[key], {unit: state.township});
  };

  // Tile layers wait in an empty group until the county is in view: tiles of the
  // first, whole-China view would be fetched for nothing.
  function deferred(grid) {
    const group = L.layerGroup();
    group.grid = grid;
    return group;
  }

  /** Put the tile layers into their groups (once the map shows the county). */
  layers.release = function () {
    Object.keys(layers.registry).forEach(function (kind) {
      const group = layers.registry[kind];
      if (group.grid && !group.hasLayer(group.grid)) {
        group.addLayer(group.grid);
      }
    });
  };

  function unitsLayer() {
    const style = gm.styles.unit(state);
    return deferred(
      L.vectorGrid.protobuf(layers.tileUrl("unitTiles"), {
        rendererFactory: L.svg.tile,
        interactive: false, // clicks are found by gm.tiles.polygonsAt from the map's click
        vectorTileLayerStyles: {county: style, township: style, village: style, group: style},
        getFeatureId: function (f) { return f.properties.level + ":" + f.properties.code; },
        maxNativeZoom: 22,
        zIndex: 2,
      })
    );
  }

  /**
   * The zoom of the households tiles shown at `zoom`. Below the point zoom a tile holds only
   * counts per unit, drawn by the counts layer as circles: the lowest zoom of the same counts
   * (groups), or a few zooms lower (villages), gives the same circles from far fewer tiles.
   */
  layers.householdTileZoom = function (zoom) {
    const zooms = gm.config().zooms;
    if (zoom >= zooms.points) {
      return zoom;
    }
    return zoom >= zooms.level4 ? zooms.level4 : Math.min(zoom, zooms.level4 - VILLAGE_COUNTS_BELOW);
  };

  function householdsLayer(map) {
    const grid = L.vectorGrid.protobuf(layers.tileUrl("householdTiles"), {
      // Canvas: a z13 tile of a dense township holds a thousand points or more.
      rendererFactory: L.canvas.tile,
      interactive: false, // clicks are found by gm.tiles.pointAt from the map's click
      pane: "gm-households",
      vectorTileLayerStyles: {households: gm.styles.household(function () { return state.mode; }, true)},
      getFeatureId: function (f) { return f.properties.code; },
      maxNativeZoom: 22,
    });
    const clamp = grid._clampZoom;
    grid._clampZoom = function (zoom) { return clamp.call(grid, layers.householdTileZoom(zoom)); };
    const group = deferred(grid);
    group.counts = gm.overlays.counts(map, grid);
    group.addLayer(group.counts);
    return group;
  }

  function labelsLayer() {
    return L.layerGroup([], {pane: "gm-labels"});
  }

  /** Reload a lazy layer (after the filter changed): now if shown, else when next shown. */
  layers.reload = function (kind) {
    const group = layers.registry[kind];
    if (!group || !group.gmReload) {
      return;
    }
    group.gmLoaded = Boolean(group._map);
    if (group._map) { group.gmReload(); }
  };

  /** Layer builders by kind; static/js/map-overlays.js adds the GeoJSON ones. */
  const FACTORIES = (layers.factories = {
    units: unitsLayer,
    labels: labelsLayer,
    households: householdsLayer,
  });

  /** Log a failed load and tell the user once. */
  layers.failed = function (err) {
    console.error("gridmap: data not loaded:", err);
    layers.notice(gm.t("load_error"));
  };

  /** Show a short notice at the bottom of the map (replaced by the next one). */
  layers.notice = function (text) {
    const box = document.getElementById("gm-notice");
    if (box) {
      box.textContent = text;
      box.hidden = false;
      box.parentElement.hidden = false;
    }
  };
})(window.gridmap);
