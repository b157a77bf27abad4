-- A posting's journal entry must be recorded, now checked once per statement that inserts postings
-- (one anti-join over the statement's new rows) instead of by the foreign key, whose check looked up
-- and share-locked each posting's journal row, one by one: a settle run's chunk of 30,000 postings
-- spent about 0.3 s of its COPY on it, and dirtied every journal row it had just written. The journal
-- is append-only (UPDATE and DELETE refused by trigger, TRUNCATE now too, and granted to no runtime
-- role), so an entry found once is there for good and needs no lock. Every writer records an entry
-- before its postings, in the same transaction.
ALTER TABLE postings DROP CONSTRAINT postings_journal_id_fkey;

CREATE OR REPLACE FUNCTION postings_balanced() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    wrong text;
BEGIN
    SELECT p.journal_id INTO wrong FROM new_postings p
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.journal_id = p.journal_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'postings of journal entry %, which is not recorded', wrong;
    END IF;
    SELECT journal_id INTO wrong FROM new_postings
    GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance', wrong;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER journal_append_only_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_append_only_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
