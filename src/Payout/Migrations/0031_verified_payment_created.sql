-- When Stripe says each verified PaymentIntent was made (null for those verified before): a later read of one (its
-- refund's charge.refunded, a reconciliation) is looked for in a list by it, a hundred an answer, not a GET each.
ALTER TABLE verified_payments ADD COLUMN created timestamptz;
