-- The county is the tenant: every table holding a county's data carries county_code in its
-- primary key and in every unique and foreign key between county data, so no row can point
-- into another county, and each table can be distributed by county_code (docs/scale-out.md).
-- Accounts, sessions and the audit log are shared by every county (reference data): they
-- keep no foreign key into county data. Change stamps (the tiles' ETag) are kept per county.
-- depends: 0014.account-counties

-- The county of rows that cannot say it themselves: the only (or first) county on record.
CREATE FUNCTION pg_temp.first_county() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT min(left(code, 6)) FROM unit_version), '000000')
$$;

-- Foreign keys first: they depend on the primary keys about to be replaced.
ALTER TABLE unit_version DROP CONSTRAINT unit_version_opened_by_fkey,
                         DROP CONSTRAINT unit_version_closed_by_fkey;
ALTER TABLE edit DROP CONSTRAINT edit_undoes_fkey;
ALTER TABLE code_mapping DROP CONSTRAINT code_mapping_edit_id_fkey;
ALTER TABLE contact_household DROP CONSTRAINT contact_household_contact_code_fkey,
                              DROP CONSTRAINT contact_household_household_code_fkey;
ALTER TABLE visit DROP CONSTRAINT visit_household_code_fkey,
                  DROP CONSTRAINT visit_plan_id_fkey;
ALTER TABLE monitoring DROP CONSTRAINT monitoring_household_code_fkey;
ALTER TABLE household_period DROP CONSTRAINT household_period_household_code_fkey;
ALTER TABLE worker_group DROP CONSTRAINT worker_group_worker_code_fkey;
ALTER TABLE worker_group_period DROP CONSTRAINT worker_group_period_worker_code_fkey;
ALTER TABLE worker_status_period DROP CONSTRAINT worker_status_period_worker_code_fkey;
ALTER TABLE account DROP CONSTRAINT account_worker_code_fkey;
ALTER TABLE inspection_route DROP CONSTRAINT inspection_route_plan_id_fkey;
ALTER TABLE inspection_stop DROP CONSTRAINT inspection_stop_plan_id_fkey,
                            DROP CONSTRAINT inspection_stop_plan_id_team_day_fkey;

-- The grid: unit versions, the edits that open and close them, code mappings and gaps.
ALTER TABLE unit_version ADD COLUMN county_code text;
UPDATE unit_version SET county_code = left(code, 6);
ALTER TABLE unit_version ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT unit_version_pkey, ADD PRIMARY KEY (county_code, id),
    ADD CHECK (county_code = left(code, 6));
DROP INDEX unit_version_open_code;
CREATE UNIQUE INDEX unit_version_open_code ON unit_version (county_code, code)
    WHERE valid_to IS NULL;

ALTER TABLE edit ADD COLUMN county_code text;
UPDATE edit e SET county_code = coalesce(
    (SELECT min(u.county_code) FROM unit_version u WHERE e.id IN (u.opened_by, u.closed_by)),
    (SELECT min(left(m.old_code, 6)) FROM code_mapping m WHERE m.edit_id = e.id),
    pg_temp.first_county());
-- An edit that touched several counties (written before edits were kept per county) is
-- copied once per further county, under the same id.
INSERT INTO edit (id, kind, author, reason, at, households_moved, undoes, county_code)
SELECT DISTINCT e.id, e.kind, e.author, e.reason, e.at, 0, e.undoes, u.county_code
FROM edit e JOIN unit_version u ON e.id IN (u.opened_by, u.closed_by)
WHERE u.county_code <> e.county_code;
ALTER TABLE edit ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT edit_pkey, ADD PRIMARY KEY (county_code, id);
UPDATE edit e SET undoes = NULL WHERE undoes IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM edit u WHERE u.county_code = e.county_code AND u.id = e.undoes);
ALTER TABLE edit ADD FOREIGN KEY (county_code, undoes) REFERENCES edit (county_code, id);
ALTER TABLE unit_version
    ADD FOREIGN KEY (county_code, opened_by) REFERENCES edit (county_code, id),
    ADD FOREIGN KEY (county_code, closed_by) REFERENCES edit (county_code, id);

ALTER TABLE code_mapping ADD COLUMN county_code text;
UPDATE code_mapping SET county_code = left(old_code, 6);
ALTER TABLE code_mapping ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT code_mapping_pkey, ADD PRIMARY KEY (county_code, old_code, edit_id),
    ADD FOREIGN KEY (county_code, edit_id) REFERENCES edit (county_code, id);

ALTER TABLE unit_gap ADD COLUMN county_code text;
UPDATE unit_gap SET county_code = left(code, 6);
ALTER TABLE unit_gap ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT unit_gap_pkey, ADD PRIMARY KEY (county_code, code);

-- Households and their periods, monitoring and visits.
ALTER TABLE household DROP CONSTRAINT household_pkey, ADD PRIMARY KEY (county_code, code);
ALTER TABLE household_period
    ADD FOREIGN KEY (county_code, household_code) REFERENCES household (county_code, code)
    ON DELETE CASCADE;

ALTER TABLE monitoring ADD COLUMN county_code text;
UPDATE monitoring m SET county_code = h.county_code FROM household h WHERE h.code = m.household_code;
ALTER TABLE monitoring ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT monitoring_pkey, ADD PRIMARY KEY (county_code, id),
    DROP CONSTRAINT monitoring_household_code_identified_on_key,
    ADD UNIQUE (county_code, household_code, identified_on),
    DROP CONSTRAINT monitoring_periods_apart,
    ADD CONSTRAINT monitoring_periods_apart EXCLUDE USING gist (
        county_code WITH =, household_code WITH =,
        daterange(identified_on, eliminated_on) WITH &&),
    ADD FOREIGN KEY (county_code, household_code) REFERENCES household (county_code, code)
    ON DELETE CASCADE;
DROP INDEX monitoring_open;
CREATE UNIQUE INDEX monitoring_open ON monitoring (county_code, household_code)
    WHERE eliminated_on IS NULL;

-- Inspection plans, their routes and stops: a plan covers one county.
ALTER TABLE inspection_plan ADD COLUMN county_code text;
UPDATE inspection_plan p SET county_code = coalesce(
    (SELECT min(left(s.township, 6)) FROM inspection_stop s WHERE s.plan_id = p.id),
    pg_temp.first_county());
ALTER TABLE inspection_plan ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT inspection_plan_pkey, ADD PRIMARY KEY (county_code, id);
ALTER TABLE inspection_route ADD COLUMN county_code text;
UPDATE inspection_route r SET county_code = p.county_code
FROM inspection_plan p WHERE p.id = r.plan_id;
ALTER TABLE inspection_route ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT inspection_route_pkey, ADD PRIMARY KEY (county_code, plan_id, team, day),
    ADD FOREIGN KEY (county_code, plan_id) REFERENCES inspection_plan (county_code, id)
    ON DELETE CASCADE;
ALTER TABLE inspection_stop ADD COLUMN county_code text;
UPDATE inspection_stop s SET county_code = p.county_code
FROM inspection_plan p WHERE p.id = s.plan_id;
ALTER TABLE inspection_stop ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT inspection_stop_pkey, ADD PRIMARY KEY (county_code, plan_id, kind, code),
    DROP CONSTRAINT inspection_stop_plan_id_team_day_seq_key,
    ADD UNIQUE (county_code, plan_id, team, day, seq),
    ADD FOREIGN KEY (county_code, plan_id) REFERENCES inspection_plan (county_code, id)
    ON DELETE CASCADE,
    ADD FOREIGN KEY (county_code, plan_id, team, day)
    REFERENCES inspection_route (county_code, plan_id, team, day) ON DELETE CASCADE;

ALTER TABLE visit ADD COLUMN county_code text;
UPDATE visit v SET county_code = h.county_code FROM household h WHERE h.code = v.household_code;
ALTER TABLE visit ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT visit_pkey, ADD PRIMARY KEY (county_code, id),
    DROP CONSTRAINT visit_household_code_visited_at_visitor_code_key,
    ADD UNIQUE (county_code, household_code, visited_at, visitor_code),
    ADD FOREIGN KEY (county_code, household_code) REFERENCES household (county_code, code)
    ON DELETE CASCADE,
    ADD FOREIGN KEY (county_code, plan_id) REFERENCES inspection_plan (county_code, id);

-- Workers and their groups: a worker serves groups of one county.
ALTER TABLE worker ADD COLUMN county_code text;
UPDATE worker w SET county_code = coalesce(
    (SELECT min(left(g.group_code, 6)) FROM worker_group g WHERE g.worker_code = w.code),
    (SELECT min(p.county_code) FROM worker_status_period p WHERE p.worker_code = w.code),
    pg_temp.first_county());
ALTER TABLE worker ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT worker_pkey, ADD PRIMARY KEY (county_code, code);
ALTER TABLE worker_group ADD COLUMN county_code text;
UPDATE worker_group SET county_code = left(group_code, 6);
ALTER TABLE worker_group ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT worker_group_pkey, ADD PRIMARY KEY (county_code, worker_code, group_code),
    ADD CHECK (county_code = left(group_code, 6)),
    ADD FOREIGN KEY (county_code, worker_code) REFERENCES worker (county_code, code)
    ON DELETE CASCADE;
ALTER TABLE worker_group_period
    ADD FOREIGN KEY (county_code, worker_code) REFERENCES worker (county_code, code)
    ON DELETE CASCADE;
ALTER TABLE worker_status_period
    ADD FOREIGN KEY (county_code, worker_code) REFERENCES worker (county_code, code)
    ON DELETE CASCADE;

-- Assistance contacts: county cadres, each with the households of their county.
ALTER TABLE contact ADD COLUMN county_code text;
UPDATE contact c SET county_code = coalesce(
    (SELECT min(l.county_code) FROM contact_household l WHERE l.contact_code = c.code),
    pg_temp.first_county());
ALTER TABLE contact ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT contact_pkey, ADD PRIMARY KEY (county_code, code);
ALTER TABLE contact_household
    DROP CONSTRAINT contact_household_pkey,
    ADD PRIMARY KEY (county_code, contact_code, household_code, since),
    ADD FOREIGN KEY (county_code, contact_code) REFERENCES contact (county_code, code)
    ON DELETE CASCADE,
    ADD FOREIGN KEY (county_code, household_code) REFERENCES household (county_code, code)
    ON DELETE CASCADE;

-- Campaigns, projects and pairings.
ALTER TABLE campaign ADD COLUMN county_code text;
UPDATE campaign SET county_code = coalesce(left(scope_codes[1], 6), pg_temp.first_county());
ALTER TABLE campaign ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT campaign_pkey, ADD PRIMARY KEY (county_code, id);
-- A project's county was computed from its village; it is now written like every county key.
ALTER TABLE project ALTER COLUMN county_code DROP EXPRESSION;
ALTER TABLE project ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT project_pkey, ADD PRIMARY KEY (county_code, code);
ALTER TABLE pairing ADD COLUMN county_code text;
UPDATE pairing SET county_code = left(village_code, 6);
ALTER TABLE pairing ALTER COLUMN county_code SET NOT NULL,
    DROP CONSTRAINT pairing_pkey, ADD PRIMARY KEY (county_code, id),
    DROP CONSTRAINT pairing_kind_partner_village_code_key,
    ADD UNIQUE (county_code, kind, partner, village_code);

-- County-scoped reads find a county's rows by its code. A code alone (a household's national
-- code, a unit code, a worker named by a phone) still finds its row without the county.
CREATE INDEX household_county_unit ON household (county_code, unit_code);
CREATE INDEX household_code ON household (code);
CREATE INDEX unit_version_code ON unit_version (code) WHERE valid_to IS NULL;
CREATE INDEX worker_code ON worker (code);
CREATE INDEX contact_code ON contact (code);
CREATE INDEX project_code ON project (code);
CREATE INDEX worker_group_county_group ON worker_group (county_code, group_code);

-- One change stamp per county: a write bumps only the counties it touched, so a county's
-- tiles stay cached while another county is edited, and writes to different counties do not
-- queue behind one row.
DROP TRIGGER household_changes ON household;
DROP TRIGGER unit_changes ON unit_version;
DROP TRIGGER worker_changes ON worker;
DROP TRIGGER worker_group_changes ON worker_group;
DROP TRIGGER contact_household_changes ON contact_household;
DROP TRIGGER visit_changes ON visit;
DROP FUNCTION bump_change_stamp();
DROP TABLE change_stamp;
CREATE TABLE change_stamp (
    county_code text PRIMARY KEY,
    counter     bigint NOT NULL DEFAULT 1,
    at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO change_stamp (county_code)
SELECT DISTINCT county_code FROM unit_version UNION SELECT county_code FROM household;

CREATE FUNCTION bump_county_stamps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN  -- a deleted row's county
        INSERT INTO change_stamp AS s (county_code) SELECT DISTINCT county_code FROM old_rows
        ON CONFLICT (county_code) DO UPDATE SET counter = s.counter + 1, at = now();
    ELSE
        INSERT INTO change_stamp AS s (county_code) SELECT DISTINCT county_code FROM new_rows
        ON CONFLICT (county_code) DO UPDATE SET counter = s.counter + 1, at = now();
    END IF;
    RETURN NULL;
END;
$$;

-- A row moved to another county changes both.
CREATE FUNCTION bump_moved_county_stamps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_stamp AS s (county_code)
    SELECT county_code FROM new_rows UNION SELECT county_code FROM old_rows
    ON CONFLICT (county_code) DO UPDATE SET counter = s.counter + 1, at = now();
    RETURN NULL;
END;
$$;

CREATE FUNCTION bump_every_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_stamp SET counter = counter + 1, at = now();
    RETURN NULL;
END;
$$;

-- Transition tables allow one event per trigger: three per table, and one for TRUNCATE.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['household', 'unit_version', 'worker', 'worker_group',
                             'contact_household', 'visit', 'monitoring',
                             'worker_group_period', 'worker_status_period'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_county_stamps()',
                       t || '_inserted_stamp', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_moved_county_stamps()',
                       t || '_updated_stamp', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_county_stamps()',
                       t || '_deleted_stamp', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_every_stamp()',
                       t || '_truncated_stamp', t);
    END LOOP;
END $$;
