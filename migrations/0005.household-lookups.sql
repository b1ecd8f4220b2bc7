-- Households without a location are placed by their declared group; incremental
-- reassignment finds them by that code.
-- depends: 0004.tiles

CREATE INDEX household_unlocated_declared ON household (declared_group) WHERE geom IS NULL;

-- The latest visit decides whether reports may use each household's stored last visit.
CREATE INDEX visit_time ON visit (visited_at);
