-- Every time an operator restored this schema from a copy (cpctl restore record, as the migrator):
-- when the copy was taken, who recorded it and why. A worker that moves money treats what happened
-- after copy_taken_at as unknown to its own rows until it has reconciled the restore with the outside
-- world (reconciled_at); until then it sends nothing (Payout: no transfer, no refund).
CREATE TABLE restores (
    id            text        PRIMARY KEY,
    copy_taken_at timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL,
    operator      text        NOT NULL,
    reason        text        NOT NULL,
    reconciled_at timestamptz,
    CHECK (copy_taken_at <= recorded_at)
);
CREATE INDEX restores_unreconciled ON restores (recorded_at) WHERE reconciled_at IS NULL;
