/* gridmap: names of the units of the level in view, fetched per parent as the map moves. */
import * as gm from "./gridmap-base.js";
import {failed, mark, state} from "./map-state.js";

const MAX_LABELS = 400; // beyond this names overlap into noise anyway
const MAX_PARENTS = 40; // village outlines fetched per move, to keep moves light

/** A unit from the units GeoJSON reduced to what a label needs (outlines are dropped). */
export function toRecord(feature) {
  const p = feature.properties || {};
  const at = gm.labelPoint(feature.geometry);
  if (!at) {
    return null;
  }
  return {code: String(p.code), name: p.name, level: Number(p.level), bounds: gm.boundsOf(feature.geometry), at: at};
}

function labelMarker(record) {
  const text = gm.el("span", "gm-label-text", record.name);
  return L.marker(record.at, {
    icon: L.divIcon({className: "gm-label gm-label-" + record.level, html: text, iconSize: null}),
    interactive: false,
    keyboard: false,
    pane: "gm-labels",
  });
}

/**
 * Labels for `layer` (a layer group). The top units the user may see (`top`: {level,
 * records}, townships for most) come from the page; finer ones from
 * /api/v1/units?level=L&parent=CODE for the parents in view, each parent once.
 */
export function createLabels(map, layer, top, onLearned) {
  const cache = {};
  const known = {2: [], 3: [], 4: []};
  known[top.level] = top.records;
  const shown = {};
  let generation = 0;

  function children(level, parent) {
    const key = level + ":" + parent;
    if (!cache[key]) {
      const url = gm.url(gm.config().urls.units, {level: level, parent: parent}, false);
      cache[key] = gm.fetchJSON(url).then(function (data) {
        const list = (data.features || []).map(toRecord).filter(Boolean);
        known[level] = known[level].concat(list);
        onLearned(level);
        return list;
      }, function (err) {
        delete cache[key];
        throw err;
      });
    }
    return cache[key];
  }

  function inView(records) {
    const view = map.getBounds().pad(0.25);
    const only = state.township;
    return records.filter(function (r) {
      return r.bounds.intersects(view) && (!only || r.code.indexOf(only) === 0 || only.indexOf(r.code) === 0);
    });
  }

  function recordsOf(level) {
    if (level <= top.level) {
      return Promise.resolve(inView(top.records));
    }
    return recordsOf(level - 1).then(function (parents) {
      const asked = parents.filter(function (p) { return p.level === level - 1; }).slice(0, MAX_PARENTS);
      return Promise.all(asked.map(function (p) { return children(level, p.code); }));
    }).then(function (lists) {
      return inView([].concat.apply([], lists));
    });
  }

  function render(records) {
    const wanted = {};
    records.slice(0, MAX_LABELS).forEach(function (r) { wanted[r.code] = r; });
    Object.keys(shown).forEach(function (code) {
      if (!wanted[code]) {
        layer.removeLayer(shown[code]);
        delete shown[code];
      }
    });
    Object.keys(wanted).forEach(function (code) {
      if (!shown[code]) {
        shown[code] = labelMarker(wanted[code]);
        layer.addLayer(shown[code]);
      }
    });
    mark("labels", Object.keys(shown).length);
  }

  return {
    /** Show the names of `level` (default: the level in view; nothing while the layer is off). */
    update: function (level) {
      const mine = (generation += 1);
      if (!map.hasLayer(layer)) {
        return;
      }
      recordsOf(level || state.activeLevel).then(function (records) {
        if (mine === generation) { render(records); }
      }).catch(failed);
    },
    /** Median size in metres of the known units of a level, or null. */
    span: function (level) {
      return gm.median(known[level].map(function (r) { return gm.spanMetres(r.bounds); }));
    },
  };
}
