-- Visits gain who recorded them, a check-in point and a reviewer's rejection; visit
-- campaigns; the monitoring lifecycle of households at risk of falling back into poverty.
-- depends: 0007.edit-history

-- The account that recorded a visit is kept apart from the visitor (a worker or contact).
-- A check-in far from the household is kept but doubtful; a rejected visit no longer counts.
ALTER TABLE visit
    ADD COLUMN recorded_by        text,
    ADD COLUMN recorded_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN checkin            geometry(Point, 4326),
    ADD COLUMN checkin_distance_m double precision CHECK (checkin_distance_m >= 0),
    ADD COLUMN doubtful           boolean NOT NULL DEFAULT false,
    ADD COLUMN rejected_at        timestamptz,
    ADD COLUMN rejected_by        text,
    ADD COLUMN reject_reason      text,
    ADD CONSTRAINT visit_rejection_whole CHECK (
        (rejected_at IS NULL) = (rejected_by IS NULL)
        AND (rejected_at IS NULL) = (reject_reason IS NULL)
    );
-- Reviewers list the doubtful visits still waiting for a decision.
CREATE INDEX visit_doubtful_pending ON visit (visited_at DESC) WHERE doubtful AND rejected_at IS NULL;

-- A visit campaign (集中走访): households of some categories in some units, visited in a window.
CREATE TABLE campaign (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    -- Unit codes whose households are targeted; empty means the whole county.
    scope_codes text[] NOT NULL DEFAULT '{}',
    -- Household categories targeted; empty means every category.
    categories  text[] NOT NULL DEFAULT '{}'
                CHECK (categories <@ ARRAY['lifted', 'monitored', 'ordinary']),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);

-- One monitoring period of a household (防返贫监测): identified, assisted, risk eliminated.
CREATE TABLE monitoring (
    id             bigserial PRIMARY KEY,
    household_code text NOT NULL REFERENCES household (code) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('unstable', 'marginal', 'sudden_hardship')),
    identified_on  date NOT NULL,
    found_by       text CHECK (found_by IN ('self_report', 'cadre_visit', 'department_alert')),
    risk_type      text,
    measures       text,
    eliminated_on  date,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (household_code, identified_on),
    CHECK (eliminated_on IS NULL OR eliminated_on >= identified_on)
);
-- A household is in at most one open monitoring period.
CREATE UNIQUE INDEX monitoring_open ON monitoring (household_code) WHERE eliminated_on IS NULL;
CREATE INDEX monitoring_identified ON monitoring (identified_on);
CREATE INDEX monitoring_eliminated ON monitoring (eliminated_on) WHERE eliminated_on IS NOT NULL;

-- Contact loads and households without a contact read the open links.
CREATE INDEX contact_household_open ON contact_household (household_code) WHERE until IS NULL;
