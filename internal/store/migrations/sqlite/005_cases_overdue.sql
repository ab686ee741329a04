-- The overdue and due-soon lists filter open cases by deadline and then by
-- scope: carrying the org columns in the index lets SQLite check the scope
-- without reading every overdue case of the city.
DROP INDEX cases_open_due;
CREATE INDEX cases_open_due ON cases(state, due_at, handling_org_id, intake_org_id);
