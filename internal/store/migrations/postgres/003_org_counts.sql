-- People registered per org, kept in step with every write, so list pages
-- and the tree show totals without counting a million rows.
CREATE TABLE org_counts (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    people BIGINT NOT NULL DEFAULT 0
);
INSERT INTO org_counts (org_id, people) SELECT org_id, COUNT(*) FROM people GROUP BY org_id;
