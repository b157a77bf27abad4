-- What an operator pair wrote off of a winner's clawback receivable, and not recovered since: money that comes back of
-- the transfer after a write-off is booked as a recovery of the loss and lowers it.
ALTER TABLE payouts ADD COLUMN written_off_minor bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT payouts_written_off_within_net CHECK (written_off_minor >= 0 AND written_off_minor <= net_minor);

-- Each operator's latest request to write a payout's receivable off: two different operators' live requests for the
-- same amount book it (ReceivableWriteOffRequested).
CREATE TABLE write_off_requests (
    payout_id text NOT NULL,
    operator text NOT NULL,
    amount_minor bigint NOT NULL,
    reason text NOT NULL,
    requested_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (payout_id, operator)
);
