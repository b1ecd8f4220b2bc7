"""Demo data: a fictional, deterministic sample county and its households and grid workers.

`gridmap.sample.county.build_county` makes the four-level grid; `gridmap.sample.population`
makes households and workers for it. Everything here is invented; no real person or place.
"""
