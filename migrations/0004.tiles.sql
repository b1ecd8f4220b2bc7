-- What vector tiles need: a label point per unit version, and a stamp that changes
-- whenever anything a tile shows changes (it makes the tiles' ETag).
-- depends: 0003.unit-gaps

ALTER TABLE unit_version
    ADD COLUMN label geometry(Point, 4326) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
CREATE INDEX unit_version_open_label ON unit_version USING gist (label) WHERE valid_to IS NULL;

CREATE TABLE change_stamp (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    counter bigint NOT NULL DEFAULT 0,
    at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO change_stamp DEFAULT VALUES;

CREATE FUNCTION bump_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_stamp SET counter = counter + 1, at = now();
    RETURN NULL;
END;
$$;

CREATE TRIGGER household_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON household
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
CREATE TRIGGER unit_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_version
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
CREATE TRIGGER worker_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON worker
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
CREATE TRIGGER worker_group_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON worker_group
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
CREATE TRIGGER contact_household_changes
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contact_household
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
CREATE TRIGGER visit_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON visit
    FOR EACH STATEMENT EXECUTE FUNCTION bump_change_stamp();
