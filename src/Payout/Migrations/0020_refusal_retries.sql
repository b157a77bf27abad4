-- How many times a payout was sent again, each under a fresh key, after Stripe refused its transfer for a reason a
-- later attempt can get past (balance_insufficient): the retry schedule's count (5, 10, 20 minutes, at most 3).
ALTER TABLE payouts ADD COLUMN refusal_retries integer NOT NULL DEFAULT 0;
