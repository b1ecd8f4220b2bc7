-- Inspection travel on the county's roads (`gridmap import osm`): each plan records the travel
-- model its times come from, and each team-day the path it drives on the roads.
-- Plans made before keep the straight model they were made with, and no path (their maps draw
-- straight lines between the stops). No new table: the columns belong to county tables that
-- row-level security (0016) already limits.
-- depends: 0019.osm-ground

ALTER TABLE inspection_plan
    ADD COLUMN travel_model text NOT NULL DEFAULT 'straight'
        CHECK (travel_model IN ('straight', 'roads'));

ALTER TABLE inspection_route
    -- The day's road path from the seat back to it; NULL under the straight model.
    ADD COLUMN path geometry(LineString, 4326);
