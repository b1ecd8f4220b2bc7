-- Code changes made by edits (a village merge re-codes the absorbed village's groups),
-- so old codes still resolve in history and as-of queries.
-- depends: 0006.accounts-audit

CREATE TABLE code_mapping (
    old_code text NOT NULL,
    new_code text NOT NULL,
    edit_id  bigint NOT NULL REFERENCES edit (id),
    PRIMARY KEY (old_code, edit_id)
);
CREATE INDEX code_mapping_new ON code_mapping (new_code);
CREATE INDEX unit_version_opened_by ON unit_version (opened_by);
CREATE INDEX unit_version_closed_by ON unit_version (closed_by);
