-- The emergency stop by halt: every halt Payout has applied, by its id. The halt in force is
-- dispatch.decision_id while dispatch.halted. A halt is applied once (a replay of a known
-- halt changes nothing); a resume ends only the halt in force, named by id, so a resume that
-- is re-driven or replayed after another halt finds another halt in force and is refused.
CREATE TABLE halts (
    halt_id     text        PRIMARY KEY,
    operator    text        NOT NULL,
    reason      text        NOT NULL,
    topic       text        NOT NULL,
    decided_at  timestamptz NOT NULL,
    applied_at  timestamptz NOT NULL,
    ended_by    text,
    ended_at    timestamptz
);
