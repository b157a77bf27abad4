-- Where each winner's connected account stands as Payout last read it from Stripe (RecipientAccountStates), with
-- Stripe's disabled reason, so a change is told once (to the winner and the operators) and not on every read; and
-- the refusal code of an account Stripe would not create, so a refusal is alerted once per player and code.
ALTER TABLE recipients ADD COLUMN account_state text, ADD COLUMN account_state_reason text;
ALTER TABLE onboarding_claims ADD COLUMN refused_code text;
