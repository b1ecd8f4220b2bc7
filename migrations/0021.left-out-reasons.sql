-- Why each sampled stop a plan leaves out is left out: no team-day has time for it
-- ('no_time'), or a team-day could take it only in place of a heavier stop it keeps
-- ('heavier_preferred'). Stops of plans made before, and visited stops, have none. No new
-- table: the column belongs to a county table that row-level security (0016) already limits.
-- depends: 0020.road-travel

ALTER TABLE inspection_stop
    ADD COLUMN left_out text CHECK (left_out IN ('no_time', 'heavier_preferred')),
    ADD CONSTRAINT inspection_stop_left_out_dropped CHECK (left_out IS NULL OR team IS NULL);
