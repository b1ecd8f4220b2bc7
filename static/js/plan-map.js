/*
 * gridmap: the inspection plan's map. folium draws the routes, stops and layer control;
 * this adds what every map of ours shares and folium has not: the base layers, their switch
 * and the scale bar.
 *
 * The page's entry module; folium's generated script runs after it and calls
 * gridmap.planMap.start(map), the one global it sets (window.gridmap).
 */
import * as gm from "./gridmap-base.js";

/** Start the plan map: folium calls this after building the map and its layers. */
function start(map) {
  const basemap = gm.config().basemap;
  gm.baseMap(map, basemap);
  gm.credit(map, basemap);
}

window.gridmap = {planMap: {start: start}};
