-- Unannounced inspection plans (暗访): the inputs with the seed that drew the sample, one route
-- per team and day, and every sampled stop (visited in order, or dropped). Only inspectors and
-- administrators read these tables; nothing else joins them, and no change stamp follows them,
-- so no other page or tile reveals that a plan exists.
-- depends: 0007.edit-history

CREATE TABLE inspection_plan (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    first_day   date        NOT NULL,
    days        smallint    NOT NULL CHECK (days BETWEEN 1 AND 31),
    teams       smallint    NOT NULL CHECK (teams BETWEEN 1 AND 50),
    hours       numeric(4, 2) NOT NULL CHECK (hours > 0 AND hours <= 24),
    -- Same inputs and seed, same plan.
    seed        bigint      NOT NULL CHECK (seed >= 0),
    seat        geometry(Point, 4326) NOT NULL,
    -- The other inputs and the settings in force (stop minutes, speed, weights, ...).
    inputs      jsonb       NOT NULL,
    -- Totals, townships without candidates and other facts reported with the plan.
    summary     jsonb       NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inspection_route (
    plan_id bigint       NOT NULL REFERENCES inspection_plan (id) ON DELETE CASCADE,
    team    smallint     NOT NULL CHECK (team >= 1),
    day     date         NOT NULL,
    -- Driving plus time at stops, and driven kilometres (estimated).
    hours   numeric(5, 2) NOT NULL CHECK (hours >= 0),
    km      numeric(7, 1) NOT NULL CHECK (km >= 0),
    back    text         CHECK (back ~ '^[0-9]{2}:[0-9]{2}$'),
    PRIMARY KEY (plan_id, team, day)
);

CREATE TABLE inspection_stop (
    plan_id     bigint   NOT NULL REFERENCES inspection_plan (id) ON DELETE CASCADE,
    kind        text     NOT NULL CHECK (kind IN ('household', 'project', 'unit')),
    code        text     NOT NULL,
    township    text     NOT NULL CHECK (township ~ '^[0-9]{9}$'),
    -- What is visited (a household's head, a project, a unit) and where (village, group).
    name        text     NOT NULL DEFAULT '',
    place       text     NOT NULL DEFAULT '',
    address     text     NOT NULL DEFAULT '',
    check_text  text     NOT NULL DEFAULT '',
    weight      double precision NOT NULL CHECK (weight > 0),
    mandatory   boolean  NOT NULL DEFAULT false,
    geom        geometry(Point, 4326) NOT NULL,
    -- Null for a dropped stop; the team-day, its place in the day, arrival, leg and time there.
    team        smallint,
    day         date,
    seq         smallint CHECK (seq >= 1),
    eta         text     CHECK (eta ~ '^[0-9]{2}:[0-9]{2}$'),
    km          numeric(6, 1),
    minutes     smallint,
    PRIMARY KEY (plan_id, kind, code),
    UNIQUE (plan_id, team, day, seq),
    FOREIGN KEY (plan_id, team, day) REFERENCES inspection_route (plan_id, team, day)
        ON DELETE CASCADE,
    CHECK ((team IS NULL) = (day IS NULL) AND (team IS NULL) = (seq IS NULL)
           AND (team IS NULL) = (eta IS NULL)),
    -- A mandatory stop is never dropped.
    CHECK (NOT mandatory OR team IS NOT NULL)
);
