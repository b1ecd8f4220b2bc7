-- Households without a location are placed by their declared group; incremental
-- reassignment finds them by that code.
-- depends: 0004.tiles

CREATE INDEX household_unlocated_declared ON household (declared_group) WHERE geom IS NULL;
