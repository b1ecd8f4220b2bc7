/* gridmap: the grid map's layers. folium names them and puts them in the layer control. */
import * as gm from "./gridmap-base.js";
import {styles} from "./map-styles.js";
import {registry, state, tileUrl} from "./map-state.js";
import * as overlays from "./map-overlays.js";
import {projectsLayer} from "./map-projects.js";

/** Panes above the tiles: gaps (overlayPane, 400) < households < names < outside points. */
const PANES = {"gm-households": 410, "gm-labels": 420, "gm-outside": 430};
/** Village counts come from tiles this many zooms below the group counts' first zoom. */
const VILLAGE_COUNTS_BELOW = 3;

function ensurePanes(map) {
  Object.keys(PANES).forEach(function (name) {
    if (!map.getPane(name)) {
      map.createPane(name).style.zIndex = String(PANES[name]);
    }
  });
  map.getPane("gm-labels").style.pointerEvents = "none";
}

// Tile layers wait in an empty group until the county is in view: tiles of the
// first, whole-China view would be fetched for nothing.
function deferred(grid) {
  const group = L.layerGroup();
  group.grid = grid;
  return group;
}

/** Put the tile layers into their groups (once the map shows the county). */
export function release() {
  Object.keys(registry).forEach(function (kind) {
    const group = registry[kind];
    if (group.grid && !group.hasLayer(group.grid)) {
      group.addLayer(group.grid);
    }
  });
}

function unitsLayer() {
  const style = styles.unit(state);
  return deferred(
    L.vectorGrid.protobuf(tileUrl("unitTiles"), {
      rendererFactory: L.svg.tile,
      interactive: false, // clicks are found by tiles.polygonsAt from the map's click
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
export function householdTileZoom(zoom) {
  const zooms = gm.config().zooms;
  if (zoom >= zooms.points) {
    return zoom;
  }
  return zoom >= zooms.level4 ? zooms.level4 : Math.min(zoom, zooms.level4 - VILLAGE_COUNTS_BELOW);
}

function householdsLayer(map) {
  const grid = L.vectorGrid.protobuf(tileUrl("householdTiles"), {
    // Canvas: a z13 tile of a dense township holds a thousand points or more.
    rendererFactory: L.canvas.tile,
    interactive: false, // clicks are found by tiles.pointAt from the map's click
    pane: "gm-households",
    vectorTileLayerStyles: {households: styles.household(function () { return state.mode; }, true)},
    getFeatureId: function (f) { return f.properties.code; },
    maxNativeZoom: 22,
  });
  const clamp = grid._clampZoom;
  grid._clampZoom = function (zoom) { return clamp.call(grid, householdTileZoom(zoom)); };
  const group = deferred(grid);
  group.counts = overlays.countsLayer(map, grid);
  group.addLayer(group.counts);
  return group;
}

function labelsLayer() {
  return L.layerGroup([], {pane: "gm-labels"});
}

/** Reload a lazy layer (after the filter changed): now if shown, else when next shown. */
export function reload(kind) {
  const group = registry[kind];
  if (!group || !group.gmReload) {
    return;
  }
  group.gmLoaded = Boolean(group._map);
  if (group._map) { group.gmReload(); }
}

/** Layer builders by kind: the kinds that folium's page names (gridmap.maps.pages.MAP_LAYERS). */
const FACTORIES = {
  units: unitsLayer,
  labels: labelsLayer,
  households: householdsLayer,
  gaps: overlays.gapsLayer,
  outside: overlays.outsideLayer,
  workers: overlays.workersLayer,
  projects: projectsLayer,
};

/** Build the layer of `kind` for folium's map; called from the page's folium script. */
export function create(kind, map) {
  ensurePanes(map);
  const layer = FACTORIES[kind](map);
  layer.gmKind = kind;
  registry[kind] = layer;
  return layer;
}
