-- Room on each page for a row's next version: every Stripe event is recorded when received and again when handled,
-- a second write that changes no indexed value. With full pages it found no room beside the row: in an every-worker
-- rush 4-7% were heap-only; each other one wrote a new entry in both indexes and left a dead one for autovacuum to
-- find by scanning them. Half a page free: 80%, for a table half again as large (applies to pages written from now
-- on).
ALTER TABLE stripe_events SET (fillfactor = 50);
