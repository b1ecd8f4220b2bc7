-- History: every fact that changes over time keeps its validity period, so any figure can be
-- read as of any date. A period is a daterange [from, to) of local dates; an unbounded lower
-- end means "since before records began" (rows that existed before this migration).
-- Every period row also keeps when it was recorded, so late entries stay visible to the audit.
-- A write transaction may name the date its changes take effect with
--   SELECT set_config('gridmap.effective_on', '2023-04-01', true);
-- otherwise they take effect today (the session's TimeZone is the county's).
-- depends: 0012.account-sessions

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE FUNCTION gridmap_effective_on() RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('gridmap.effective_on', true), '')::date,
                    current_date)
$$;

-- The category a household returns to when no monitoring period covers a date: 脱贫户
-- (lifted) or 一般农户 (ordinary). Being monitored is read from the monitoring periods.
ALTER TABLE household ADD COLUMN base_category text
    CHECK (base_category IN ('lifted', 'ordinary'));
UPDATE household SET base_category = CASE
    WHEN category IN ('lifted', 'ordinary') THEN category
    WHEN monitor_kind = 'unstable' THEN 'lifted'  -- 脱贫不稳定户 are lifted households
    ELSE 'ordinary' END;
ALTER TABLE household ALTER COLUMN base_category SET NOT NULL;

-- A household listed as monitored by a household file may not say which kind. Such a
-- period is known only from that listing: a monitoring file's periods replace it.
ALTER TABLE monitoring ALTER COLUMN kind DROP NOT NULL;
ALTER TABLE monitoring ADD COLUMN listed_only boolean NOT NULL DEFAULT false;

-- Households recorded as monitored without a monitoring period get one since the beginning
-- of records (0001-01-01 stands for "before records began").
INSERT INTO monitoring (household_code, kind, identified_on, eliminated_on, listed_only)
SELECT h.code, h.monitor_kind, DATE '0001-01-01',
       CASE WHEN h.risk_eliminated THEN DATE '0001-01-01' END, true
FROM household h
WHERE h.category = 'monitored'
  AND NOT EXISTS (SELECT 1 FROM monitoring m WHERE m.household_code = h.code);

ALTER TABLE monitoring ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE monitoring ADD CONSTRAINT monitoring_periods_apart EXCLUDE USING gist (
    household_code WITH =, daterange(identified_on, eliminated_on) WITH &&);

-- A household's place and standing over time: its point, the unit the point lay in under the
-- grid of the time, its status (active, moved away, deceased, merged) and base category.
-- Written by the triggers below whenever those household columns change.
CREATE TABLE household_period (
    county_code    text NOT NULL,
    household_code text NOT NULL REFERENCES household (code) ON DELETE CASCADE,
    valid          daterange NOT NULL CHECK (NOT isempty(valid)),
    unit_code      text,
    status         text NOT NULL,
    base_category  text NOT NULL,
    geom           geometry(Point, 4326),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (county_code WITH =, household_code WITH =, valid WITH &&)
);
-- The triggers find a household's open period by its code; the latest change date is read
-- from the starts. An as-of read takes about one period per household, so it scans.
CREATE INDEX household_period_open ON household_period (household_code) WHERE upper_inf(valid);
CREATE INDEX household_period_starts ON household_period (lower(valid));

INSERT INTO household_period (county_code, household_code, valid, unit_code, status,
                              base_category, geom)
SELECT county_code, code, daterange(NULL, NULL), unit_code, status, base_category, geom
FROM household;

CREATE FUNCTION household_period_opened() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO household_period (county_code, household_code, valid, unit_code, status,
                                  base_category, geom)
    SELECT n.county_code, n.code, daterange(gridmap_effective_on(), NULL), n.unit_code,
           n.status, n.base_category, n.geom
    FROM new_rows n;
    RETURN NULL;
END $$;

-- A changed household closes its open period on the day the change takes effect and opens
-- the next; a status change carrying its own date (status_date) takes effect then, though
-- never before the open period began. A second change on the same day replaces that day's;
-- a change dated before the open period began is refused (history is written in order).
CREATE FUNCTION household_period_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    too_late date;  -- the latest open period starting after the change's day, if any
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS household_changed (
        code text PRIMARY KEY, day date NOT NULL) ON COMMIT DROP;
    TRUNCATE household_changed;
    INSERT INTO household_changed (code, day)
    SELECT n.code, CASE
               WHEN o.status IS DISTINCT FROM n.status AND n.status_date IS NOT NULL
               THEN greatest(lower(p.valid), n.status_date) ELSE gridmap_effective_on() END
    FROM new_rows n JOIN old_rows o ON o.code = n.code
    JOIN household_period p ON p.household_code = n.code AND upper_inf(p.valid)
    WHERE (o.unit_code, o.status, o.base_category, o.county_code)
          IS DISTINCT FROM (n.unit_code, n.status, n.base_category, n.county_code)
       OR NOT coalesce(o.geom = n.geom, o.geom IS NULL AND n.geom IS NULL);
    ANALYZE household_changed;
    SELECT max(lower(p.valid)) INTO too_late FROM household_period p
    JOIN household_changed c ON c.code = p.household_code
    WHERE upper_inf(p.valid) AND lower(p.valid) > c.day;
    IF too_late IS NOT NULL THEN
        RAISE EXCEPTION 'a household change cannot take effect before its last change'
            USING ERRCODE = 'GM001', DETAIL = too_late::text;
    END IF;
    DELETE FROM household_period p USING household_changed c
    WHERE p.household_code = c.code AND upper_inf(p.valid) AND lower(p.valid) = c.day;
    UPDATE household_period p SET valid = daterange(lower(p.valid), c.day)
    FROM household_changed c WHERE p.household_code = c.code AND upper_inf(p.valid);
    INSERT INTO household_period (county_code, household_code, valid, unit_code, status,
                                  base_category, geom)
    SELECT n.county_code, n.code, daterange(c.day, NULL), n.unit_code, n.status,
           n.base_category, n.geom
    FROM new_rows n JOIN household_changed c ON c.code = n.code;
    RETURN NULL;
END $$;

CREATE TRIGGER household_period_opened AFTER INSERT ON household
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION household_period_opened();
CREATE TRIGGER household_period_changed AFTER UPDATE ON household
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION household_period_changed();

-- Which groups a worker served when. worker_group keeps today's links for the pages that
-- only ever read today; the importer writes both.
CREATE TABLE worker_group_period (
    county_code text NOT NULL,
    worker_code text NOT NULL REFERENCES worker (code) ON DELETE CASCADE,
    group_code  text NOT NULL CHECK (length(group_code) = 15),
    valid       daterange NOT NULL CHECK (NOT isempty(valid)),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (county_code = left(group_code, 6)),
    EXCLUDE USING gist (county_code WITH =, worker_code WITH =, group_code WITH =,
                        valid WITH &&)
);
CREATE INDEX worker_group_period_group ON worker_group_period (group_code);
INSERT INTO worker_group_period (county_code, worker_code, group_code, valid)
SELECT left(group_code, 6), worker_code, group_code, daterange(NULL, NULL) FROM worker_group;

-- A worker's status (active 在岗, inactive 暂停 or 离岗, left 离职) over time, in each county
-- the worker serves.
CREATE TABLE worker_status_period (
    county_code text NOT NULL,
    worker_code text NOT NULL REFERENCES worker (code) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('active', 'inactive', 'left')),
    valid       daterange NOT NULL CHECK (NOT isempty(valid)),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (county_code WITH =, worker_code WITH =, valid WITH &&)
);
INSERT INTO worker_status_period (county_code, worker_code, status, valid)
SELECT DISTINCT left(g.group_code, 6), w.code, w.status, daterange(NULL, NULL)
FROM worker w JOIN worker_group g ON g.worker_code = w.code;

-- A household has one assistance contact at a time. Links that overlapped end when the next
-- one starts; of two starting the same day, the lower contact code is kept.
DELETE FROM contact_household l USING contact_household k
WHERE k.household_code = l.household_code AND k.since = l.since
  AND k.contact_code < l.contact_code;
UPDATE contact_household l SET until = n.next_since
FROM (SELECT contact_code, household_code, since,
             lead(since) OVER (PARTITION BY household_code ORDER BY since) AS next_since
      FROM contact_household) n
WHERE n.contact_code = l.contact_code AND n.household_code = l.household_code
  AND n.since = l.since AND n.next_since IS NOT NULL
  AND (l.until IS NULL OR l.until > n.next_since);
ALTER TABLE contact_household
    ADD COLUMN county_code text,
    ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
UPDATE contact_household l SET county_code = h.county_code
FROM household h WHERE h.code = l.household_code;
ALTER TABLE contact_household ALTER COLUMN county_code SET NOT NULL;
ALTER TABLE contact_household ADD CONSTRAINT contact_household_one_at_a_time
    EXCLUDE USING gist (county_code WITH =, household_code WITH =,
                        daterange(since, until) WITH &&);
