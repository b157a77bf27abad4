-- A guaranteed contest's guarantee, from its definition as the operators sealed it (checked by Payout when
-- Settlement's authorization carries it): Payout pays the contest up to the greater of the entry fees it verified
-- itself and this. Zero for every other contest, and for a guarantee whose seals did not verify.
ALTER TABLE contest_payout_budgets
    ADD COLUMN guaranteed_minor bigint NOT NULL DEFAULT 0 CHECK (guaranteed_minor >= 0);
