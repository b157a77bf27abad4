-- A make-good confirmation is bound to the proposal it confirms (its terms: report, total,
-- recipients and amounts) and a proposal expires unconfirmed (SettlementOptions.ApprovalLifetime),
-- counted from when the proposer decided, never later than it was recorded. Proposals recorded
-- before this were decided when they were recorded.
ALTER TABLE make_good_proposals ADD COLUMN decided_at timestamptz;
UPDATE make_good_proposals SET decided_at = proposed_at;
ALTER TABLE make_good_proposals ALTER COLUMN decided_at SET NOT NULL;
