-- Webhook history goes with the history it describes (specs/webhooks, "Keeping"): the
-- retention sweep finds events past their keeping by age, and their deliveries by event.
CREATE INDEX ix_webhook_events_created ON webhook_events (created_at);
CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_id);
