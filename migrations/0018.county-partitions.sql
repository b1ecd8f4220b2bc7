-- The large per-household tables are list-partitioned by county: households, their periods,
-- visits, monitoring periods and contact links. A county's partitions are made by
-- gridmap_add_county, run as the owner, when the county's grid is first written; a query that
-- names its county reads that county's partitions only.
-- PostgreSQL 15 cannot put an exclusion constraint on a partitioned table, so each partition
-- gets its own. They key on a 64-bit hash of the household code before the code itself: a
-- GiST index whose first column is text splits its pages poorly and made every period written
-- cost about 0.1 ms; led by the hash it costs a quarter of that. The code stays in the key, so
-- the constraint is exact, and so does the county, which a distributed database requires of
-- every exclusion constraint (within one partition it is always equal).
-- depends: 0017.worker-account-county

CREATE TEMP TABLE partitioned (name text PRIMARY KEY, apart text) ON COMMIT DROP;
INSERT INTO partitioned VALUES
    ('household', NULL),
    ('household_period', 'hashtextextended(household_code, 0) WITH =, household_code WITH =, '
                         'county_code WITH =, valid WITH &&'),
    ('visit', NULL),
    ('monitoring', 'hashtextextended(household_code, 0) WITH =, household_code WITH =, '
                   'county_code WITH =, daterange(identified_on, eliminated_on) WITH &&'),
    ('contact_household', 'hashtextextended(household_code, 0) WITH =, household_code WITH =, '
                          'county_code WITH =, daterange(since, until) WITH &&');

-- The partitions' exclusion constraints, kept where gridmap_add_county finds them.
CREATE TABLE partition_exclusion (
    table_name text PRIMARY KEY,
    definition text NOT NULL
);
INSERT INTO partition_exclusion SELECT name, apart FROM partitioned WHERE apart IS NOT NULL;
REVOKE ALL ON partition_exclusion FROM gridmap_web, gridmap_web_local;

-- Everything that hangs on the tables, as statements to run again once they are partitioned:
-- 1 keys, 2 other indexes, 3 foreign keys either way, 4 triggers, 5 policies. The names are
-- read now, so the statements name the tables as they will be named again.
CREATE TEMP TABLE hanging (step int, ddl text) ON COMMIT DROP;
INSERT INTO hanging
SELECT 1, format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.conrelid::regclass::text, c.conname,
                 pg_get_constraintdef(c.oid))
FROM pg_constraint c JOIN partitioned t ON t.name::regclass = c.conrelid
WHERE c.contype IN ('p', 'u');
INSERT INTO hanging
SELECT 2, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN partitioned t ON t.name::regclass = i.indrelid
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
INSERT INTO hanging
SELECT DISTINCT 3, format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.conrelid::regclass::text,
                          c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c JOIN partitioned t ON t.name::regclass IN (c.conrelid, c.confrelid)
WHERE c.contype = 'f';
INSERT INTO hanging
SELECT 4, pg_get_triggerdef(g.oid)
FROM pg_trigger g JOIN partitioned t ON t.name::regclass = g.tgrelid
WHERE NOT g.tgisinternal;
INSERT INTO hanging
SELECT 5, format('CREATE POLICY %I ON %I AS %s FOR %s TO %s USING (%s)%s', p.policyname,
                 p.tablename, p.permissive, p.cmd,
                 (SELECT string_agg(quote_ident(r), ', ') FROM unnest(p.roles) r), p.qual,
                 ' WITH CHECK (' || p.with_check || ')')
FROM pg_policies p JOIN partitioned t ON t.name = p.tablename
WHERE p.schemaname = 'public';

-- Take it all down: policies first (they read household_period), then foreign keys.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT p.policyname, p.tablename FROM pg_policies p
             JOIN partitioned t ON t.name = p.tablename WHERE p.schemaname = 'public' LOOP
        EXECUTE format('DROP POLICY %I ON %I', r.policyname, r.tablename);
    END LOOP;
    FOR r IN SELECT DISTINCT c.conname, c.conrelid::regclass::text AS rel FROM pg_constraint c
             JOIN partitioned t ON t.name::regclass IN (c.conrelid, c.confrelid)
             WHERE c.contype = 'f' LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.rel, r.conname);
    END LOOP;
END $$;

-- The old tables step aside under another name, with their indexes, and lend their columns.
DO $$
DECLARE
    t text;
    i text;
BEGIN
    FOR t IN SELECT name FROM partitioned LOOP
        FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                 WHERE x.indrelid = t::regclass LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', i, left(i, 50) || '_unpartitioned');
        END LOOP;
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_unpartitioned');
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                       'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY LIST (county_code)',
                       t, t || '_unpartitioned');
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I '
                       'TO gridmap_web, gridmap_web_local', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
ALTER SEQUENCE visit_id_seq OWNED BY NONE;
ALTER SEQUENCE monitoring_id_seq OWNED BY NONE;
DO $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT ddl FROM hanging WHERE step IN (1, 2) ORDER BY step, ddl LOOP
        EXECUTE s;
    END LOOP;
END $$;

-- A county's partitions, with their exclusion constraints; nothing when they exist. Run as the
-- owner, so that a web edit that draws a new county may make them. A partition is made apart
-- and then attached, which leaves the table readable meanwhile; the web roles get no grant on
-- it: they read the county's rows through the table, under its policies.
CREATE FUNCTION gridmap_add_county(county text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    part text;
BEGIN
    IF county !~ '^[0-9]{6}$' THEN
        RAISE EXCEPTION 'not a county code: %', county;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('gridmap_add_county'), hashtext(county));
    FOR r IN SELECT t.table_name, e.definition
             FROM unnest(ARRAY['household', 'household_period', 'visit', 'monitoring',
                               'contact_household']) WITH ORDINALITY t (table_name, n)
             LEFT JOIN partition_exclusion e USING (table_name) ORDER BY t.n LOOP
        part := r.table_name || '_' || county;
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                       'INCLUDING STORAGE)', part, r.table_name);
        -- A visit import rewrites every visited household's last visit date: with room left
        -- on each page the new row version stays on it and no index entry is written (HOT).
        IF r.table_name = 'household' THEN
            EXECUTE format('ALTER TABLE %I SET (fillfactor = 85)', part);
        END IF;
        IF r.definition IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I EXCLUDE USING gist (%s)',
                           part, part || '_apart', r.definition);
        END IF;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%L)',
                       r.table_name, part, county);
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC, gridmap_web, gridmap_web_local', part);
    END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION gridmap_add_county(text) FROM PUBLIC;

-- A county is first written with its grid.
CREATE FUNCTION unit_version_add_counties() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM gridmap_add_county(c.county_code)
    FROM (SELECT DISTINCT county_code FROM new_rows) c
    WHERE to_regclass('household_' || c.county_code) IS NULL;
    RETURN NULL;
END;
$$;
CREATE TRIGGER unit_version_add_counties AFTER INSERT ON unit_version
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION unit_version_add_counties();

-- The counties there are, and their rows.
DO $$
BEGIN
    PERFORM gridmap_add_county(county_code) FROM (
        SELECT county_code FROM unit_version UNION SELECT county_code FROM household_unpartitioned
    ) c ORDER BY county_code;
END $$;
INSERT INTO household SELECT * FROM household_unpartitioned;
INSERT INTO household_period SELECT * FROM household_period_unpartitioned;
INSERT INTO visit SELECT * FROM visit_unpartitioned;
INSERT INTO monitoring SELECT * FROM monitoring_unpartitioned;
INSERT INTO contact_household SELECT * FROM contact_household_unpartitioned;
DROP TABLE household_period_unpartitioned, visit_unpartitioned, monitoring_unpartitioned,
    contact_household_unpartitioned, household_unpartitioned;
ALTER SEQUENCE visit_id_seq OWNED BY visit.id;
ALTER SEQUENCE monitoring_id_seq OWNED BY monitoring.id;

-- A household's periods by household, which the exclusion constraint no longer leads with.
CREATE INDEX household_period_household ON household_period (county_code, household_code);

DO $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT ddl FROM hanging WHERE step IN (3, 4, 5) ORDER BY step, ddl LOOP
        EXECUTE s;
    END LOOP;
END $$;

-- A household change closes and opens periods in the changed households' counties only, so
-- it reads their partitions alone (the array, a parameter to each statement, prunes the rest).
-- Each lookup of a household's periods also names the hash of its code: the planner takes the
-- partition's exclusion index for it, and that index finds a code quickly only by its hash
-- (without it, a probe read the whole index: 13 ms a household).
CREATE OR REPLACE FUNCTION household_period_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    too_late date;  -- the latest open period starting after the change's day, if any
    counties text[];
BEGIN
    SELECT array_agg(DISTINCT county_code) INTO counties FROM new_rows;
    CREATE TEMP TABLE IF NOT EXISTS household_changed (
        county_code text NOT NULL, code text NOT NULL, day date NOT NULL,
        PRIMARY KEY (county_code, code)) ON COMMIT DROP;
    TRUNCATE household_changed;
    -- The changed rows first: most updates (a visit's date, a name) change nothing kept in
    -- the periods, and need not look at them.
    INSERT INTO household_changed (county_code, code, day)
    WITH changed AS MATERIALIZED (
        SELECT n.county_code, n.code, n.status_date, o.status IS DISTINCT FROM n.status AS moved
        FROM new_rows n JOIN old_rows o ON o.county_code = n.county_code AND o.code = n.code
        WHERE (o.unit_code, o.status, o.base_category, o.county_code)
              IS DISTINCT FROM (n.unit_code, n.status, n.base_category, n.county_code)
           OR NOT coalesce(o.geom = n.geom, o.geom IS NULL AND n.geom IS NULL)
    )
    SELECT c.county_code, c.code, CASE
               WHEN c.moved AND c.status_date IS NOT NULL
               THEN greatest(lower(p.valid), c.status_date) ELSE gridmap_effective_on() END
    FROM changed c
    JOIN household_period p ON p.county_code = c.county_code AND p.household_code = c.code
         AND hashtextextended(p.household_code, 0) = hashtextextended(c.code, 0)
         AND upper_inf(p.valid)
    WHERE p.county_code = ANY(counties);
    ANALYZE household_changed;
    SELECT max(lower(p.valid)) INTO too_late FROM household_period p
    JOIN household_changed c ON c.county_code = p.county_code AND c.code = p.household_code
         AND hashtextextended(p.household_code, 0) = hashtextextended(c.code, 0)
    WHERE p.county_code = ANY(counties) AND upper_inf(p.valid) AND lower(p.valid) > c.day;
    IF too_late IS NOT NULL THEN
        RAISE EXCEPTION 'a household change cannot take effect before its last change'
            USING ERRCODE = 'GM001', DETAIL = too_late::text;
    END IF;
    DELETE FROM household_period p USING household_changed c
    WHERE p.county_code = ANY(counties) AND p.county_code = c.county_code
      AND p.household_code = c.code
      AND hashtextextended(p.household_code, 0) = hashtextextended(c.code, 0)
      AND upper_inf(p.valid) AND lower(p.valid) = c.day;
    UPDATE household_period p SET valid = daterange(lower(p.valid), c.day)
    FROM household_changed c
    WHERE p.county_code = ANY(counties) AND p.county_code = c.county_code
      AND p.household_code = c.code
      AND hashtextextended(p.household_code, 0) = hashtextextended(c.code, 0)
      AND upper_inf(p.valid);
    INSERT INTO household_period (county_code, household_code, valid, unit_code, status,
                                  base_category, geom)
    SELECT n.county_code, n.code, daterange(c.day, NULL), n.unit_code, n.status,
           n.base_category, n.geom
    FROM new_rows n JOIN household_changed c ON c.county_code = n.county_code AND c.code = n.code;
    RETURN NULL;
END $$;

ANALYZE household, household_period, visit, monitoring, contact_household;
