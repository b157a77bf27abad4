-- What a large contest's settlement reads before its first chunk and writes in each one.
--
-- The final standings are kept as the JSON text they were received as. As jsonb, every settlement
-- printed them back to text: a million rows, 200 chunks and 106 MB of it, about 0.5 s of a backend
-- before the first prize could be decided. Text is sent as it is stored. The check parses a chunk as
-- jsonb when it is kept, as the column did, so it refuses what jsonb refused (json alone accepts the
-- escape \u0000, which would only fail later, at a winner's payout row), and keeps it a JSON array.
-- Rows kept before this migration keep jsonb's spacing; a redelivered chunk is compared as JSON when
-- its text differs (SettlementStore.InsertStandingsChunkAsync).
ALTER TABLE standings_chunks ALTER COLUMN rows TYPE text USING rows::text;
ALTER TABLE standings_chunks ADD CONSTRAINT standings_chunks_rows_are_an_array
    CHECK (jsonb_typeof(rows::jsonb) = 'array');

-- A payout's contest is checked once per statement instead of by the foreign key, whose per-row check
-- looked up and share-locked the contest's row for each of a chunk's 10,000 payouts: about 30 ms of
-- each chunk's COPY (psql, inserting 10,000 rows into a 200,000-row payouts table, with and without the
-- constraint). Nothing weaker: a payout names a contest that exists when it is written, and never
-- another. A contest with payouts cannot be deleted or renamed: its entries still reference it (every
-- payout is a winning entry's, and settlement refuses a winner without a recorded entry).
ALTER TABLE payouts DROP CONSTRAINT payouts_contest_id_fkey;

CREATE FUNCTION payouts_of_known_contests() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    unknown text;
BEGIN
    SELECT p.contest_id INTO unknown FROM (SELECT DISTINCT contest_id FROM new_payouts) p
    WHERE NOT EXISTS (SELECT 1 FROM contests c WHERE c.contest_id = p.contest_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'payouts of contest %, which is not recorded', unknown
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payouts_of_known_contests AFTER INSERT ON payouts
    REFERENCING NEW TABLE AS new_payouts FOR EACH STATEMENT EXECUTE FUNCTION payouts_of_known_contests();

CREATE FUNCTION payouts_contest_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payout % belongs to contest % and cannot be moved to %', OLD.payout_id, OLD.contest_id,
        NEW.contest_id;
END $$;

CREATE TRIGGER payouts_contest_fixed BEFORE UPDATE ON payouts
    FOR EACH ROW WHEN (OLD.contest_id IS DISTINCT FROM NEW.contest_id) EXECUTE FUNCTION payouts_contest_fixed();

-- One index on a payout's contest, not two: the award order's unique index, no longer partial (a
-- payout without an award position, a make-good, is NULL there, and NULLs do not collide), answers
-- every question by contest as the plain index did. Each prize writes three index entries, not four.
CREATE UNIQUE INDEX payouts_by_contest_in_award_order ON payouts (contest_id, award_seq);
DROP INDEX payouts_in_award_order;
DROP INDEX payouts_by_contest;
