-- The overdue and due-soon lists filter open cases by scope and deadline:
-- partial indexes over open cases by org keep that proportional to the
-- viewer's part of the tree.
CREATE INDEX cases_open_handling ON cases(handling_org_id, due_at) WHERE state IN ('registered', 'accepted', 'assigned', 'in_progress');
CREATE INDEX cases_open_intake ON cases(intake_org_id, due_at) WHERE state IN ('registered', 'accepted', 'assigned', 'in_progress');
