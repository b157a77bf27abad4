-- An approval counts only toward the hold it was given for: the hold kind and the payout's
-- version the operator saw. One given for a review hold never becomes the second approval of a
-- later frozen (dispute) hold, and approvals expire (PayoutOptions.ApprovalLifetime). The
-- operator is the one whose own key signed the decision, verified before the handler runs.
-- Approvals recorded before this bound nothing: they are closed, and the hold needs two anew.
ALTER TABLE release_approvals ADD COLUMN hold_kind text;
ALTER TABLE release_approvals ADD COLUMN payout_version integer;
UPDATE release_approvals SET used_at = approved_at WHERE used_at IS NULL;
