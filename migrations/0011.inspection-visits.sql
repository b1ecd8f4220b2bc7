-- Visits made under an inspection plan (暗访), and closing a plan. Until its plan is closed
-- such a visit is hidden: shown to inspectors and administrators only, and counted by no
-- report (households' last visit dates, visit status, campaigns, tiles). Closing the plan
-- reveals its visits and recomputes the last visit dates of their households.
-- depends: 0008.visits-campaigns-monitoring 0010.inspection-plans

ALTER TABLE inspection_plan
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN closed_by text,
    ADD CONSTRAINT inspection_plan_closed_whole CHECK ((closed_at IS NULL) = (closed_by IS NULL));

ALTER TABLE visit
    ADD COLUMN plan_id bigint REFERENCES inspection_plan (id),
    -- Kept on the visit, so reports filter on the visit alone and never join the plans.
    ADD COLUMN hidden  boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT visit_plan_inspection CHECK (plan_id IS NULL OR kind = 'inspection'),
    ADD CONSTRAINT visit_hidden_planned CHECK (NOT hidden OR plan_id IS NOT NULL);
-- Closing a plan finds its visits.
CREATE INDEX visit_plan ON visit (plan_id) WHERE plan_id IS NOT NULL;
