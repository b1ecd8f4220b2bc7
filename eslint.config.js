// ESLint for our own scripts (static/js); vendored packages are linted upstream.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {files: ["static/js/**/*.js"]},
  {ignores: ["static/vendor/**", "node_modules/**", ".venv/**"]},
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {...globals.browser, L: "readonly"},
    },
    rules: {
      "no-unused-vars": ["error", {args: "after-used"}],
      "no-implicit-globals": "error",
      "no-undef": "error",
      strict: ["error", "function"],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: {sourceType: "commonjs", globals: globals.node},
  },
];
