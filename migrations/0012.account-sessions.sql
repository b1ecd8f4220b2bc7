-- Server-side login sessions: the browser's signed cookie carries a random session id, and a
-- request is served only while that id's row here is unrevoked. Logging out revokes one
-- session; changing the password or disabling the account revokes all of its sessions.
-- Only a SHA-256 digest of the id is stored, so a copy of this table opens no session.
-- depends: 0006.accounts-audit

CREATE TABLE account_session (
    id_sha256   bytea PRIMARY KEY CHECK (length(id_sha256) = 32),
    username    text NOT NULL REFERENCES account (username) ON UPDATE CASCADE ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    client      text,
    revoked_at  timestamptz
);
CREATE INDEX account_session_open ON account_session (username) WHERE revoked_at IS NULL;
