-- The operators' rewinds this worker applied (workers.rewinds), one row per request, written in the
-- same transaction as the consumer positions it lowered: a request read again at the next start
-- (the worker reads that topic whole every time it starts) moves nothing a second time.
CREATE TABLE consumer_rewinds (
    request_id  text        PRIMARY KEY,
    consumer    text        NOT NULL,
    operator    text        NOT NULL,
    reason      text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
