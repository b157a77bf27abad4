-- The delivery log: one row per notification and channel, with its state, the attempts made
-- and when the next is due. The delivery id is stable (channel and notification id), so a
-- replay of the notifications topic finds the row already there, and the receiver dedupes on it.
CREATE TABLE deliveries (
    delivery_id     text        PRIMARY KEY,
    notification_id text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'webhook')),
    audience        text        NOT NULL,
    recipient       text        NOT NULL,
    kind            text        NOT NULL,
    severity        text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('pending', 'delivered', 'dead_lettered')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    last_error      text,
    requested_at    timestamptz NOT NULL,
    delivered_at    timestamptz
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';

-- Every attempt, kept: what was tried when, and what came back.
CREATE TABLE delivery_attempts (
    delivery_id text        NOT NULL REFERENCES deliveries (delivery_id),
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL,
    succeeded   boolean     NOT NULL,
    detail      text        NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
