-- Each household keeps the times of its visits that count (not rejected, not hidden), in
-- order: a report as of a past date takes the latest of them before the end of that date by a
-- binary search of the array instead of aggregating the county's visits (six months back that
-- aggregate was three quarters of the report's time). Times, not dates, so that the array holds
-- whatever the time zone. Triggers on the visits keep it, so every path that writes visits
-- (fieldwork, imports, rejections, plans closing) keeps it alike. No new table: the column
-- belongs to a county table that row-level security (0016) already limits.
-- depends: 0020.road-travel

ALTER TABLE household ADD COLUMN visit_times timestamptz[];

-- The counted visits' times of the households whose visits a statement wrote, rewritten only
-- where they differ, in one statement over the transition table `source` names (new_rows,
-- old_rows or both; the planner knows their sizes). It runs as whoever wrote the visits, under
-- the same policies: a household's visits are visible wherever the household is, and the
-- household's own period trigger then runs as that writer, as for the writer's other
-- household updates in the transaction. The counties, bound as a parameter, leave the other
-- counties' partitions out.
CREATE FUNCTION visit_times_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    source text := CASE TG_OP WHEN 'INSERT' THEN 'new_rows' WHEN 'DELETE' THEN 'old_rows'
                   ELSE '(SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows)' END;
    counties text[];
BEGIN
    EXECUTE format('SELECT array_agg(DISTINCT county_code) FROM %s s', source) INTO counties;
    EXECUTE format($sql$
        UPDATE household h SET visit_times = c.times
        FROM (SELECT t.county_code, t.household_code,
                     array_agg(v.visited_at ORDER BY v.visited_at)
                         FILTER (WHERE v.rejected_at IS NULL AND NOT v.hidden) AS times
              FROM (SELECT DISTINCT county_code, household_code FROM %s s) t
              LEFT JOIN visit v ON v.county_code = t.county_code
                   AND v.household_code = t.household_code AND v.county_code = ANY($1)
              GROUP BY t.county_code, t.household_code) c
        WHERE h.county_code = ANY($1) AND h.county_code = c.county_code
          AND h.code = c.household_code AND h.visit_times IS DISTINCT FROM c.times
    $sql$, source) USING counties;
    RETURN NULL;
END $$;

-- Emptied visits leave no household a visit.
CREATE FUNCTION visit_times_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE household SET visit_times = NULL WHERE visit_times IS NOT NULL;
    RETURN NULL;
END $$;

-- A trigger with transition tables fires on one event only: one trigger an event.
CREATE TRIGGER visit_times_inserted AFTER INSERT ON visit REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION visit_times_changed();
CREATE TRIGGER visit_times_updated AFTER UPDATE ON visit
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION visit_times_changed();
CREATE TRIGGER visit_times_deleted AFTER DELETE ON visit REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION visit_times_changed();
CREATE TRIGGER visit_times_truncated AFTER TRUNCATE ON visit
    FOR EACH STATEMENT EXECUTE FUNCTION visit_times_truncated();

UPDATE household h SET visit_times = v.times
FROM (SELECT county_code, household_code, array_agg(visited_at ORDER BY visited_at) AS times
      FROM visit WHERE rejected_at IS NULL AND NOT hidden
      GROUP BY county_code, household_code) v
WHERE h.county_code = v.county_code AND h.code = v.household_code;
ANALYZE household;
