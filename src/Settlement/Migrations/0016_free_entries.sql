-- A contest free to enter (entry fee 0, its prizes funded by a guarantee) has entries that paid nothing.
ALTER TABLE entries DROP CONSTRAINT entries_amount_minor_check,
    ADD CONSTRAINT entries_amount_minor_check CHECK (amount_minor >= 0);
