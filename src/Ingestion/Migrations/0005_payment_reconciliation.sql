-- Reconciliation: a PaymentIntent that succeeded for a contest and never became an entry (the
-- player paid and the submission never came) is refunded once the contest can no longer take
-- it and a grace period has passed. `succeeded_at`: when Ingestion first knew it succeeded;
-- `reconciled_at`/`reconciliation`: when and how the daily job settled what became of it (an
-- entry, a refund, or left for an operator), so it is not looked at again.
ALTER TABLE payments ADD COLUMN succeeded_at timestamptz;
ALTER TABLE payments ADD COLUMN reconciled_at timestamptz;
ALTER TABLE payments ADD COLUMN reconciliation text;
UPDATE payments SET succeeded_at = updated_at WHERE known AND status = 'succeeded';
CREATE INDEX payments_to_reconcile ON payments (succeeded_at) WHERE succeeded_at IS NOT NULL AND reconciled_at IS NULL;
