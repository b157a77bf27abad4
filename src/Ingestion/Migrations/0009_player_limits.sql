-- Responsible-gaming limits (Players/LimitRules): each player's daily and monthly entry-fee limits (null: the
-- platform's default), a raise waiting out its cooling-off, and an exclusion (cooling_off or self_exclusion) with
-- its end. Changed only by ApplyLimitRequestsJob, from the requests below.
CREATE TABLE player_limits (
    player_id            text        PRIMARY KEY,
    daily_minor          bigint      CHECK (daily_minor >= 0),
    monthly_minor        bigint      CHECK (monthly_minor >= 0),
    raised_daily_minor   bigint,
    raised_daily_from    timestamptz,
    raised_monthly_minor bigint,
    raised_monthly_from  timestamptz,
    exclusion            text        CHECK (exclusion IN ('cooling_off', 'self_exclusion')),
    excluded_until       timestamptz,
    updated_at           timestamptz NOT NULL,
    CHECK ((exclusion IS NULL) = (excluded_until IS NULL))
);

-- Requests to change a player's limits, added by the platform's player API (its role may insert and read this table
-- and read player_limits, nothing else of Ingestion's), answered here with what was done.
CREATE TABLE player_limit_requests (
    request_id     text        PRIMARY KEY,
    player_id      text        NOT NULL,
    daily_minor    bigint,
    monthly_minor  bigint,
    exclusion      text,
    exclusion_days integer,
    requested_by   text        NOT NULL,
    requested_at   timestamptz NOT NULL,
    outcome        text        CHECK (outcome IN ('applied', 'refused')),
    summary        text,
    applied_at     timestamptz
);
CREATE INDEX player_limit_requests_waiting ON player_limit_requests (requested_at) WHERE outcome IS NULL;
CREATE INDEX player_limit_requests_player ON player_limit_requests (player_id, requested_at);

-- A player's fees are counted by the day and month each entry was submitted (not decided): the submission's time,
-- kept with the entry. Entries accepted before this have it from their submission, or their acceptance.
ALTER TABLE entries ADD COLUMN submitted_at timestamptz;
UPDATE entries e SET submitted_at = s.submitted_at
FROM submissions s WHERE s.payment_intent_id = e.payment_intent_id AND s.outcome = 'Ok';
UPDATE entries SET submitted_at = accepted_at WHERE submitted_at IS NULL;
ALTER TABLE entries ALTER COLUMN submitted_at SET NOT NULL;
CREATE INDEX entries_by_player_submitted ON entries (player_id, submitted_at);
