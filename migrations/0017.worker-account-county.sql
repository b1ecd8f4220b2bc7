-- A worker account belongs to its worker's county: worker codes may repeat across counties
-- (each county numbers its own workers), so the account names the county of its worker, and
-- sees only that worker's groups there. Township accounts keep their county in their code.
-- depends: 0016.row-security

ALTER TABLE account DROP CONSTRAINT account_counties_not_local;
UPDATE account a SET county_codes = ARRAY[w.county_code]
FROM (SELECT code, min(county_code) AS county_code FROM worker GROUP BY code
      HAVING count(*) = 1) w
WHERE a.role = 'worker' AND w.code = a.worker_code;
ALTER TABLE account ADD CONSTRAINT account_counties_not_local CHECK (
    (role <> 'township' OR county_codes IS NULL)
    AND (role <> 'worker' OR county_codes IS NULL OR cardinality(county_codes) = 1));
