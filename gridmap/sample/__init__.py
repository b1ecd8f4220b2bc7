"""Demo data: a fictional, deterministic sample county and its households and grid workers.

`gridmap.sample.county.build_county` makes the four-level grid; `gridmap.sample.population`
makes households and workers for it; `gridmap.sample.counties` makes further demo counties
from it. Everything here is invented; no real person or place.
"""

#: The most demo counties loaded at once: more would run off the plausible area of the layout
#: (gridmap.sample.counties). Kept here so the command line reads it without heavy imports.
MAX_COUNTIES = 50
