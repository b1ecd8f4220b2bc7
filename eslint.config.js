// ESLint for our own scripts (static/js); vendored packages are linted upstream.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

/** Assigning a property of the global object: how a script makes a global. */
const GLOBAL_WRITE = "AssignmentExpression > MemberExpression.left[object.name=/^(window|self|globalThis)$/]";

/**
 * The modules a page loads itself (static/js is ES modules; the rest come in by import).
 * Each may set the page's one global, window.gridmap: its namespace for folium's generated
 * script (the grid map, unit and plan maps), for people debugging and for the browser tests.
 */
const ENTRIES = [
  "map.js", "unit-map.js", "plan-map.js", "campaign-map.js", "monitoring-map.js",
  "projects-page.js", "editor.js", "editor-history.js", "visit-form.js",
].map(function (name) { return "static/js/" + name; });

module.exports = [
  {files: ["static/js/**/*.js"]},
  {ignores: ["static/vendor/**", "node_modules/**", ".venv/**"]},
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "module",
      // Vendored scripts (Leaflet and its plugins) load before the modules as classic scripts.
      globals: {...globals.browser, L: "readonly"},
    },
    rules: {
      "no-unused-vars": ["error", {args: "after-used"}],
      "no-undef": "error",
      strict: "error", // modules are strict already: no "use strict" either
      "no-restricted-syntax": ["error", {
        selector: GLOBAL_WRITE + "[property.name!='gridmap']",
        message: "Modules export what they share; an entry module sets window.gridmap only.",
      }],
    },
  },
  {
    files: ["static/js/**/*.js"],
    ignores: ENTRIES,
    rules: {
      "no-restricted-syntax": ["error", {
        selector: GLOBAL_WRITE,
        message: "Modules export what they share; only a page's entry module sets window.gridmap.",
      }],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: {sourceType: "commonjs", globals: globals.node},
  },
];
