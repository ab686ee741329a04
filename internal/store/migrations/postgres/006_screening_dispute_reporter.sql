-- Who reported each dispute. A month's report records only its latest
-- submitter, and a child dispute's details are shown to the one who
-- reported it: reading that from the report let a later submitter see the
-- earlier child disputes. Existing disputes take the report's submitter.
ALTER TABLE screening_disputes ADD COLUMN reported_by BIGINT;
UPDATE screening_disputes SET reported_by = (SELECT reported_by FROM screening_reports r WHERE r.id = screening_disputes.report_id);
