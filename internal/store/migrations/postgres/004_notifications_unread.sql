-- Every signed-in page counts unread notifications: keep that proportional
-- to what is unread, not to the whole history.
CREATE INDEX notifications_org_unread ON notifications(org_id, id) WHERE read_at = 0;
CREATE INDEX notifications_user_unread ON notifications(user_id, id) WHERE read_at = 0;
