-- Accounts scoped to counties: one database holds several counties, and city (市) and
-- province (省) reviewers watch several of them. county_codes lists the 6-digit counties an
-- admin, reviewer, inspector, city or province account may see. It is NULL only for accounts
-- created before this migration, which keep seeing the whole database. Township and worker
-- accounts keep NULL: their county follows from their township or groups.
-- depends: 0013.history

ALTER TABLE account ADD COLUMN county_codes text[]
    CHECK (county_codes IS NULL
           OR (cardinality(county_codes) > 0
               AND array_to_string(county_codes, ',') ~ '^[0-9]{6}(,[0-9]{6})*$'));

ALTER TABLE account DROP CONSTRAINT account_role_check;
ALTER TABLE account ADD CONSTRAINT account_role_check CHECK (
    role IN ('admin', 'reviewer', 'inspector', 'city', 'province', 'township', 'worker'));

-- A city or province account is nothing but its counties.
ALTER TABLE account ADD CONSTRAINT account_counties_required CHECK (
    role NOT IN ('city', 'province') OR county_codes IS NOT NULL);
ALTER TABLE account ADD CONSTRAINT account_counties_not_local CHECK (
    role NOT IN ('township', 'worker') OR county_codes IS NULL);
