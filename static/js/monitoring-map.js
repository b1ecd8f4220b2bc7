/* gridmap: the monitoring page's map of monitored households without a contact. */
import * as gm from "./gridmap-base.js";

const data = JSON.parse(gm.byId("gm-uncontacted-data").textContent);
const map = gm.baseMap(L.map("gm-uncontacted-map", {preferCanvas: true}), data.basemap);
function popup(p) {
  const box = gm.el("div");
  box.append(gm.el("strong", null, p.code), gm.el("div", null, p.place + (p.kind ? " · " + p.kind : "")));
  return box;
}
const markers = data.points.map((p) => L.circleMarker([p.lat, p.lon], {
  radius: 6, color: "#922b21", fillColor: "#e74c3c", fillOpacity: 0.85, weight: 1,
}).bindPopup(() => popup(p)));
const layer = L.featureGroup(markers).addTo(map);
map.fitBounds(layer.getBounds(), {maxZoom: 15, padding: [20, 20]});
document.body.dataset.gmMapCount = String(markers.length);
document.body.dataset.gmReady = "1";
