-- The reconciliation matches each refund Stripe lists against the one Payout made as it: found by Stripe's id too.
CREATE INDEX IF NOT EXISTS refunds_by_stripe_id ON refunds (stripe_refund_id);
