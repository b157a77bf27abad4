-- A payout whose transfer came back for another amount, currency or destination is
-- quarantined: final, never sent again, never released (money may have left).
ALTER TABLE payouts DROP CONSTRAINT payouts_state_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_state_check
    CHECK (state IN ('waiting', 'awaiting_account', 'held', 'submitting', 'paid', 'failed', 'rejected', 'quarantined'));
