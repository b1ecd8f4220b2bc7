/* gridmap: the funded projects (static/js/projects.js) as a layer of the grid map. */
import * as gm from "./gridmap-base.js";
import * as projects from "./projects.js";
import {failed, mark, state} from "./map-state.js";

function words() {
  const config = gm.config();
  return {categories: config.project_category, statuses: config.project_status, text: config.project_text};
}

/**
 * The layer control switches a plain group around the projects layer: a feature group
 * would also hear every project marker's own add and remove. The filter control comes
 * and goes with the layer; the projects follow the township filter, the API the scope.
 */
export function projectsLayer(map) {
  const handle = projects.create(map, {text: words(), position: "topleft"});
  const group = L.layerGroup([handle.layer]);
  group.gmHandle = handle;
  group.gmReload = function () {
    const url = gm.url(gm.config().urls.projects, {unit: state.township}, false);
    return handle.load(url)
      .then(function () { mark("projects", handle.visible().length); })
      .catch(failed);
  };
  group.on("add", function () {
    handle.showControl(true);
    // Fetched the first time the layer is shown once the county is in view.
    if (!group.gmLoaded && state.ready) {
      group.gmLoaded = true;
      group.gmReload();
    }
  });
  group.on("remove", function () { handle.showControl(false); });
  return group;
}
