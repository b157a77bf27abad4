-- What a winner owes back of a prize taken back that their connected account could not cover (PrizeClawbackShort):
-- NULL until a shortfall is booked, then what is still owed; money that comes back of the transfer later pays it down.
ALTER TABLE payouts ADD COLUMN receivable_minor bigint,
    ADD CONSTRAINT payouts_receivable_within_net
        CHECK (receivable_minor IS NULL OR (receivable_minor >= 0 AND receivable_minor <= net_minor));
