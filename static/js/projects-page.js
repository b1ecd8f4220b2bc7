/*
 * gridmap: the map of the /projects page: township outlines and the projects layer.
 *
 * The page's entry module. Its one global, window.gridmap.projectsPage, holds the map, the
 * projects' handle and the townships for people debugging and the browser tests.
 */
import * as gm from "./gridmap-base.js";
import * as funded from "./projects.js";

const config = JSON.parse(gm.byId("gm-projects-config").textContent);
const map = gm.baseMap(L.map(gm.byId("gm-projects-map")), config.basemap);
const townships = L.geoJSON(null, {
  style: {color: "#455a64", weight: 1.5, fill: false},
  interactive: false,
}).addTo(map);
const units = fetch(config.urls.units, {credentials: "same-origin", headers: {Accept: "application/json"}})
  .then(function (response) { return response.ok ? response.json() : null; })
  .then(function (data) { if (data) { townships.addData(data); } });
const projects = funded.addTo(map, {
  url: config.urls.projects,
  filters: config.filters,
  text: {categories: config.categories, statuses: config.statuses, text: config.text},
});

Promise.all([units, projects.ready]).then(function () {
  const bounds = townships.getBounds();
  const drawn = projects.layer.getBounds();
  if (drawn.isValid()) { bounds.extend(drawn); }
  if (bounds.isValid()) {
    map.fitBounds(bounds, {padding: [12, 12]});
  } else {
    map.setView([35, 105], 4);  // nothing to show yet: all of China
  }
  document.body.setAttribute("data-gm-ready", "1");
});
window.gridmap = {projectsPage: {map: map, projects: projects, townships: townships}};
