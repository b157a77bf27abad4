-- A covered game that starts before a contest's lockAt closes its entries early, as of the
-- start: `closes_early_at`. Entries then close (EntriesClosed) as at lock, once every submission
-- made before that moment is decided, never at once: a submission made before the start and
-- decided after it is judged by when it was made.
ALTER TABLE contests ADD COLUMN closes_early_at timestamptz;
