-- Case statistics need the deadline a closed case had when it was closed:
-- the due_at of its last timeline event with one before the close (closing
-- clears cases.due_at). This partial index answers that per case from the
-- index alone; events without a deadline are left out of it.
CREATE INDEX case_events_deadline ON case_events (case_id, id, at, due_at) WHERE due_at > 0;
