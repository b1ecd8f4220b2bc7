-- Assistance contacts, their households over time, and visits.
-- depends: 0001.grid-foundation

CREATE TABLE contact (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    organisation text,
    phone        text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A contact assists a household from `since` until `until` (open when null).
CREATE TABLE contact_household (
    contact_code   text NOT NULL REFERENCES contact (code) ON DELETE CASCADE,
    household_code text NOT NULL REFERENCES household (code) ON DELETE CASCADE,
    since          date NOT NULL,
    until          date,
    PRIMARY KEY (contact_code, household_code, since),
    CHECK (until IS NULL OR until > since)
);
CREATE INDEX contact_household_household ON contact_household (household_code);

CREATE TABLE visit (
    id             bigserial PRIMARY KEY,
    household_code text NOT NULL REFERENCES household (code) ON DELETE CASCADE,
    visitor_code   text,
    visited_at     timestamptz NOT NULL,
    kind           text NOT NULL DEFAULT 'routine' CHECK (kind IN ('routine', 'campaign', 'inspection')),
    note           text,
    UNIQUE (household_code, visited_at, visitor_code)
);
CREATE INDEX visit_household_time ON visit (household_code, visited_at DESC);

-- The date of a household's latest visit, kept by the visit writers: reports on
-- today's date read it instead of scanning every visit.
ALTER TABLE household ADD COLUMN last_visit_on date;
