-- The two-person rule for cancelling a contest with paid entries: each operator's request is
-- recorded once; the second different operator's applies the cancel.
CREATE TABLE cancel_approvals (
    contest_id   text        NOT NULL,
    operator     text        NOT NULL,
    reason       text        NOT NULL,
    requested_at timestamptz NOT NULL,
    PRIMARY KEY (contest_id, operator)
);
