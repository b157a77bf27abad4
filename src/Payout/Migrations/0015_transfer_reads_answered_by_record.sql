-- A transfer.* event that shows nothing reversed, naming a payout still being submitted with no
-- transfer recorded, is most often the transfer job's own transfer, announced before the job's
-- record of it committed. Its read waits (awaiting_payout: that payout) and is dropped, without a
-- request to Stripe, once the payout records this transfer; it is made when the wait is over.
ALTER TABLE transfer_reads ADD COLUMN awaiting_payout text;
