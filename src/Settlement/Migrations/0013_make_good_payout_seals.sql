-- The proposer's seal of a make-good's terms for Payout, kept until a second operator confirms: Settlement carries
-- both operators' seals to Payout in the make-good's authorization, and Payout pays only what they sealed.
-- Proposals recorded before this have none, and can no longer be confirmed: propose again.
ALTER TABLE make_good_proposals ADD COLUMN payout_seal jsonb;
