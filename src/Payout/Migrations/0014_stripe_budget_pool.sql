-- Payout's instances sharing one Stripe rate (CONTESTPIPELINE_STRIPE_POOL_RPS): each says every
-- quarter second whether it has calls to make, and divides the pool by the instances that do.
CREATE TABLE stripe_budget_pool (
    instance text PRIMARY KEY,
    wanting boolean NOT NULL,
    seen_at timestamptz NOT NULL
);
