-- An outbox row's headers in a compact binary form (Messaging/OutboxHeaders.cs), not as jsonb:
-- about 40 bytes where the jsonb took 360, and without the message id and type that the row
-- already holds in its own columns. Rows written before keep their jsonb until they are sent
-- and their partition is dropped; the relay reads either, and every row has exactly one.
ALTER TABLE outbox ADD COLUMN header_bytes bytea;
ALTER TABLE outbox ALTER COLUMN headers DROP NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_headers_once CHECK ((headers IS NULL) <> (header_bytes IS NULL));
