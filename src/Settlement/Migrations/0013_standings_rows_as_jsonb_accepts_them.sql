-- A chunk's rows are checked as jsonb parses them, not only as json does: json text accepts the escape
-- \u0000, which jsonb (and so this table before settlement/0011) refused, and a winner's id carrying it
-- would only fail later, at its payout row. The parse runs when a chunk is kept, as it did when the
-- column was jsonb; settlement still reads the stored text.
ALTER TABLE standings_chunks DROP CONSTRAINT standings_chunks_rows_are_an_array;
ALTER TABLE standings_chunks ADD CONSTRAINT standings_chunks_rows_are_an_array
    CHECK (jsonb_typeof(rows::jsonb) = 'array');
