"""The four-level grid: imports, household assignment, vector tiles and boundary edits."""
