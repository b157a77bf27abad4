-- Whether a contest is PAID is asked after every transfer and rejection of its payouts
-- (Settler.TryMarkPaidAsync); without this index each question read every contest's payouts.
CREATE INDEX payouts_by_contest ON payouts (contest_id);
