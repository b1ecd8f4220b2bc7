-- Row-level security: a second lock behind the scope every store query applies. The web app
-- switches its connections to a role that owns nothing and is no superuser, and names what the
-- request's account may see in the setting gridmap.scope:
--   '*'                    every county
--   '341890,341891'        code prefixes: counties, a city or province (shorter), a township
--                          or a worker's groups (longer)
--   unset or ''            nothing
-- Two roles, so that the plans of accounts that see whole counties carry no check they never
-- need: gridmap_web serves those, and sees only counties that a prefix no longer than a county
-- takes in whole; gridmap_web_local serves township and worker accounts, and sees the counties
-- their prefixes touch but only the households (with their periods, visits, monitoring
-- periods and contact links) under the prefixes. Any other role but the owner (and superusers) sees nothing.
-- The owner, as which the command line (its imports too), migrations and backups run,
-- bypasses the policies. A new table needs policies of its own when it holds county data
-- (default privileges below grant it to the web roles, so an unprotected one is readable).
-- The lock stands against a query that forgets its scope, not against SQL run at will (such
-- SQL could RESET ROLE): that is why the policies may trust the functions marked LEAKPROOF at
-- the end, which keep the web roles' plans as good as the owner's.
-- depends: 0015.county-tenant

-- Roles belong to the cluster: a cluster that holds another gridmap database has them already.
-- The owner switches to them with SET ROLE, which needs membership (a superuser has it).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['gridmap_web', 'gridmap_web_local'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
        IF NOT pg_has_role(current_user, r, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', r, current_user);
        END IF;
    END LOOP;
END $$;

-- The scope's prefixes. '' stands for every code (every text starts with it); unset or '' is
-- NULL (none). Empty items are dropped: they would otherwise match everything.
CREATE FUNCTION gridmap_scope() RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN current_setting('gridmap.scope', true) = '*' THEN ARRAY['']
                ELSE array_remove(string_to_array(current_setting('gridmap.scope', true), ','),
                                  '') END
$$;

-- The scope as one text with a comma before each prefix: ',' || a county code occurs in it
-- exactly when some prefix starts with that county (a township or group prefix names its
-- county in its first six digits).
CREATE FUNCTION gridmap_scope_text() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ',' || current_setting('gridmap.scope', true)
$$;

-- What the web app reads and writes. The audit log stays append-only for it as well, and
-- accounts are disabled, never deleted.
GRANT SELECT, INSERT, UPDATE ON account TO gridmap_web, gridmap_web_local;
GRANT SELECT, INSERT, UPDATE, DELETE ON account_session TO gridmap_web, gridmap_web_local;
GRANT SELECT, INSERT ON audit TO gridmap_web, gridmap_web_local;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO gridmap_web, gridmap_web_local;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gridmap_web, gridmap_web_local;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO gridmap_web, gridmap_web_local;

-- The policies. Each is written `nullif(test, false) IS NOT NULL`, which is the test (NULL
-- fails) but which the planner reckons true for nearly every row: the store's queries narrow
-- to the same scope themselves, and counting that narrowing twice would make the planner
-- expect a handful of rows and pick nested loops over thousands. `^@` is "starts with".
-- gridmap_web's tests read the scope per row, which costs little and, unlike a sub-select,
-- leaves parallel plans possible; gridmap_web_local's unit test reads it once per statement
-- (a sub-select, cast so that ANY compares with the array's items), since it runs over every
-- period of a county to find the households in scope.
DO $$
DECLARE
    -- Rows of a county a prefix no longer than a county takes in whole.
    whole_county constant text := 'county_code ^@ ANY (gridmap_scope())';
    -- Rows of a county in scope, whole or in part.
    in_county constant text :=
        'county_code ^@ ANY (gridmap_scope()) '
        'OR strpos(gridmap_scope_text(), '','' || county_code) > 0';
    -- Rows whose unit (or, outside every unit, county) lies under a prefix: every row of a
    -- county in scope whole, a township's or group's own otherwise. The unit must lie in the
    -- row's county.
    in_unit constant text :=
        'coalesce(unit_code, county_code) ^@ ANY ((SELECT gridmap_scope())::text[]) '
        'AND starts_with(coalesce(unit_code, county_code), county_code)';
    -- Rows of a household (its code in the column %s) with a period in scope, that is in a
    -- unit in scope on some date. The sub-select is hashed once per statement; it finds the
    -- periods under each prefix as a range of the index below (codes are digits, and ':'
    -- follows '9' in byte order; under a township or group every period has a unit), and the
    -- periods' policy checks them again. OFFSET 0 keeps
    -- each range's end a column: an expression with || would not be LEAKPROOF, so the index
    -- could not take it.
    with_period constant text :=
        '(county_code, %s) IN (SELECT p.county_code, p.household_code '
        'FROM (SELECT prefix, prefix || '':'' AS bound '
        '      FROM unnest((SELECT gridmap_scope())::text[]) prefix OFFSET 0) s '
        'JOIN household_period p ON p.unit_code COLLATE "C" >= s.prefix '
        'AND p.unit_code COLLATE "C" < s.bound)';
    test constant text := '(nullif(%s, false) IS NOT NULL)';
    t text;
BEGIN
    -- Every table with a county_code column: granted to both roles, and limited for each.
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'county_code'
                           AND NOT a.attisdropped
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I '
                       'TO gridmap_web, gridmap_web_local', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY county_scope ON %I TO gridmap_web USING %s',
                       t, format(test, whole_county));
        IF t NOT IN ('household', 'household_period', 'visit', 'monitoring',
                     'contact_household') THEN
            EXECUTE format('CREATE POLICY local_scope ON %I TO gridmap_web_local USING %s',
                           t, format(test, in_county));
        END IF;
    END LOOP;

    -- The periods under a prefix, for with_period.
    CREATE INDEX household_period_unit ON household_period (unit_code COLLATE "C");
    -- A household's periods: the unit of each period decides, so a township sees its
    -- households as they stood on any date. The triggers of 0013 write them as the role that
    -- changes the household, under this same policy.
    EXECUTE format('CREATE POLICY local_scope ON household_period TO gridmap_web_local '
                   'USING %s', format(test, in_unit));
    -- A household in scope today, or on some date and since moved away, so that figures as of
    -- that date keep it; it is written only into a unit in scope.
    EXECUTE format('CREATE POLICY local_scope ON household TO gridmap_web_local '
                   'USING %s WITH CHECK %s',
                   format(test, in_unit || ' OR ' || format(with_period, 'code')),
                   format(test, in_unit));
    -- Visits, monitoring periods and contact links follow their household.
    FOREACH t IN ARRAY ARRAY['visit', 'monitoring', 'contact_household'] LOOP
        EXECUTE format('CREATE POLICY local_scope ON %I TO gridmap_web_local USING %s',
                       t, format(test, format(with_period, 'household_code')));
    END LOOP;
END $$;

-- Under row-level security PostgreSQL uses neither a table's statistics nor its indexes for a
-- condition whose functions are not LEAKPROOF: the map's bounding boxes (&&), the history's
-- date ranges (@>, <@, &&) and the scope's prefix patterns (LIKE) would all be guessed at and
-- scanned. They are marked LEAKPROOF: none raises an error over a row's value, short of LIKE
-- given a row's value as its pattern, which no store query writes, and the lock is not meant
-- to stand against SQL run at will (see the top). Only a superuser may mark them; elsewhere
-- the web roles' queries keep working, more slowly. A restored dump or an upgraded PostGIS
-- loses the marks: run these statements again as a superuser.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION geometry_overlaps(geometry, geometry) LEAKPROOF;
        ALTER FUNCTION range_contains_elem(anyrange, anyelement) LEAKPROOF;
        ALTER FUNCTION elem_contained_by_range(anyelement, anyrange) LEAKPROOF;
        ALTER FUNCTION range_overlaps(anyrange, anyrange) LEAKPROOF;
        ALTER FUNCTION textlike(text, text) LEAKPROOF;
    ELSE
        RAISE NOTICE 'not a superuser: the web roles'' spatial, history and prefix conditions '
                     'get no statistics or indexes under row-level security';
    END IF;
END $$;
