-- The reconciliation asks, for each dispute it lists on Stripe, whether an event about it ever arrived.
CREATE INDEX IF NOT EXISTS stripe_events_object ON stripe_events (object_id);
