-- The top bar asks for the person's unread count on every navigation: an index holding only
-- unread notifications keeps that a short range read however long their history grows.
CREATE INDEX ix_notifications_unread ON notifications (user_id, workspace_id) WHERE read_at IS NULL;
