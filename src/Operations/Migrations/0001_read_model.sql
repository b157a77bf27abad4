-- The operations read model: what operators need to see, built only from the topics, so a
-- replay from the beginning rebuilds it exactly. Every time in it is a message's occurred-at,
-- never the time it was read. History tables are append-only: a row's state moves on, its
-- history keeps every step.

-- Every alert, with its state: open, acknowledged, resolved, and who acted when and why.
CREATE TABLE alerts (
    alert_id     text        PRIMARY KEY,
    source       text        NOT NULL,
    severity     text        NOT NULL,
    code         text        NOT NULL,
    subject      text        NOT NULL,
    message      text        NOT NULL,
    raised_at    timestamptz NOT NULL,
    state        text        NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    acked_by     text,
    acked_at     timestamptz,
    ack_note     text,
    resolved_by  text,
    resolved_at  timestamptz,
    resolve_note text
);
CREATE INDEX alerts_by_state ON alerts (state, severity);

-- Decisions on alerts that arrived before the alert itself (topics are not ordered against each other).
CREATE TABLE alert_actions (
    message_id  text        PRIMARY KEY,
    alert_id    text        NOT NULL,
    action      text        NOT NULL,
    operator    text        NOT NULL,
    note        text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX alert_actions_by_alert ON alert_actions (alert_id);

-- Every contest as its timeline tells it.
CREATE TABLE contests (
    contest_id       text        PRIMARY KEY,
    title            text,
    kind             text,
    currency         text,
    entry_fee_minor  bigint,
    lock_at          timestamptz,
    definition       jsonb,
    state            text        NOT NULL,
    state_reason     text,
    state_at         timestamptz,
    entry_count      integer     NOT NULL DEFAULT 0,
    standings_hash   text,
    inputs_hash      text,
    entries_hash     text,
    settled          jsonb,
    paid             jsonb
);
CREATE INDEX contests_by_state ON contests (state);

-- The timeline: one row per fact about a contest, in occurred-at order.
CREATE TABLE contest_events (
    message_id  text        PRIMARY KEY,
    contest_id  text        NOT NULL,
    at          timestamptz NOT NULL,
    kind        text        NOT NULL,
    summary     text        NOT NULL
);
CREATE INDEX contest_events_by_contest ON contest_events (contest_id, at);

CREATE TABLE entries (
    entry_id          text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    accepted_at       timestamptz NOT NULL
);
CREATE INDEX entries_by_contest ON entries (contest_id);

CREATE TABLE rejections (
    submission_id     text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL,
    reason            text        NOT NULL,
    refund_id         text,
    at                timestamptz NOT NULL
);
CREATE INDEX rejections_by_contest ON rejections (contest_id);

-- The final standings, every row (the contest page shows the top; the audit export carries all).
CREATE TABLE final_standings (
    contest_id  text    NOT NULL,
    chunk_index integer NOT NULL,
    position    integer NOT NULL,
    rank        integer NOT NULL,
    entry_id    text    NOT NULL,
    player_id   text    NOT NULL,
    score_milli bigint  NOT NULL,
    PRIMARY KEY (contest_id, chunk_index, position)
);

-- Every payout (prize or make-good) with where it stands now; its steps are in money_history.
CREATE TABLE payouts (
    payout_id    text        PRIMARY KEY,
    contest_id   text        NOT NULL,
    entry_id     text        NOT NULL,
    player_id    text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('prize', 'make_good')),
    rank         integer     NOT NULL,
    gross_minor  bigint      NOT NULL,
    fee_minor    bigint      NOT NULL,
    net_minor    bigint      NOT NULL,
    currency     text        NOT NULL,
    ordered_at   timestamptz NOT NULL,
    state        text        NOT NULL,
    hold_kind    text,
    reason       text        NOT NULL,
    version      integer     NOT NULL DEFAULT 0,
    transfer_id  text,
    paid_at      timestamptz,
    reversed_minor bigint    NOT NULL DEFAULT 0,
    approvals    integer     NOT NULL DEFAULT 0,
    approved_by  text
);
CREATE INDEX payouts_by_contest ON payouts (contest_id);
CREATE INDEX payouts_by_player ON payouts (player_id);
CREATE INDEX payouts_by_state ON payouts (state, hold_kind);

CREATE TABLE refunds (
    refund_id         text        PRIMARY KEY,
    contest_id        text        NOT NULL,
    player_id         text        NOT NULL,
    payment_intent_id text        NOT NULL,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    reason            text        NOT NULL,
    ordered_at        timestamptz NOT NULL,
    state             text        NOT NULL CHECK (state IN ('ordered', 'refunded', 'failed')),
    stripe_refund_id  text,
    resolved_at       timestamptz
);
CREATE INDEX refunds_by_contest ON refunds (contest_id);

-- Append-only: each order, status change, hold, decision, transfer, reversal and refund of a
-- payout or refund, with the operator and reason where there is one.
CREATE TABLE money_history (
    message_id  text        PRIMARY KEY,
    subject_id  text        NOT NULL,
    contest_id  text        NOT NULL,
    at          timestamptz NOT NULL,
    event       text        NOT NULL,
    state       text,
    hold_kind   text,
    operator    text,
    reason      text        NOT NULL,
    amount_minor bigint,
    currency    text
);
CREATE INDEX money_history_by_subject ON money_history (subject_id, at);
CREATE INDEX money_history_by_contest ON money_history (contest_id, at);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER money_history_append_only BEFORE UPDATE OR DELETE ON money_history FOR EACH ROW EXECUTE FUNCTION append_only();

-- Stripe's events as received, and what Payout made of each.
CREATE TABLE stripe_events (
    event_id    text        PRIMARY KEY,
    type        text        NOT NULL,
    object_id   text,
    account     text,
    received_at timestamptz NOT NULL,
    outcome     text,
    handled_at  timestamptz
);
CREATE INDEX stripe_events_by_type ON stripe_events (type);

-- Payout's emergency stop as Payout last reported it.
CREATE TABLE dispatch (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    halted      boolean     NOT NULL,
    decision_id text,
    operator    text,
    reason      text,
    changed_at  timestamptz
);
INSERT INTO dispatch (halted) VALUES (false);

-- Operators' decisions as published (payouts.due and operations), and the audit trail.
CREATE TABLE decisions (
    message_id  text        PRIMARY KEY,
    decision    text        NOT NULL,
    operator    text        NOT NULL,
    subject     text        NOT NULL,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE TABLE audit (
    action_id   text        PRIMARY KEY,
    operator    text        NOT NULL,
    role        text        NOT NULL,
    action      text        NOT NULL,
    subject     text        NOT NULL,
    reason      text        NOT NULL,
    outcome     text        NOT NULL,
    tool        text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX audit_by_time ON audit (at);

-- Credit-only make-goods: Settlement's assessments, the proposal and confirmation, what was booked.
CREATE TABLE make_goods (
    contest_id         text        NOT NULL,
    corrections_so_far integer     NOT NULL,
    assessment         jsonb       NOT NULL,
    assessed_at        timestamptz NOT NULL,
    PRIMARY KEY (contest_id, corrections_so_far)
);
CREATE TABLE make_good_proposals (
    proposal_id        text        PRIMARY KEY,
    contest_id         text        NOT NULL,
    corrections_so_far integer     NOT NULL,
    total_minor        bigint      NOT NULL,
    currency           text        NOT NULL,
    proposed_by        text        NOT NULL,
    reason             text        NOT NULL,
    proposed_at        timestamptz NOT NULL,
    confirmed_by       text,
    confirmed_at       timestamptz
);

-- Balance snapshots: taken by a job from Stripe's balance and the obligations above. Not
-- rebuilt by a replay (they are readings of the moment, not facts on a topic).
CREATE TABLE balance_snapshots (
    taken_at          timestamptz PRIMARY KEY,
    currency          text        NOT NULL,
    available_minor   bigint      NOT NULL,
    pending_minor     bigint      NOT NULL,
    obligations_minor bigint      NOT NULL,
    reserve_minor     bigint      NOT NULL,
    status            text        NOT NULL
);
