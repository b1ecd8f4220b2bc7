-- Accounts with roles and scopes, and the audit log.
-- depends: 0005.household-lookups

CREATE TABLE account (
    username        text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9_.-]{2,40}$'),
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'reviewer', 'inspector', 'township', 'worker')),
    township_code   text CHECK (township_code IS NULL OR township_code ~ '^[0-9]{9}$'),
    worker_code     text REFERENCES worker (code) ON UPDATE CASCADE,
    disabled        boolean NOT NULL DEFAULT false,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    password_set_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'township') = (township_code IS NOT NULL)),
    CHECK ((role = 'worker') = (worker_code IS NOT NULL))
);

-- Append-only: the application may insert, never change or remove.
CREATE TABLE audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    username    text NOT NULL,
    action      text NOT NULL,
    target      text,
    client      text,
    detail      jsonb
);
CREATE INDEX audit_at ON audit (at DESC);
CREATE INDEX audit_username ON audit (username, at DESC);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log cannot be changed';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
