-- The platform's requests for a link to a winner's Express dashboard (Stripe's login link), where the winner sees
-- their balance and bank payouts and changes their bank details. Like an onboarding link, a login link lets whoever
-- opens it into the account, so none travels on a topic: the platform's read API adds a request here (its role may
-- insert and read this table), and Payout, the only process holding a Stripe key that may make one, answers it with
-- a link or with why not.
CREATE TABLE login_link_requests (
    request_id    text        PRIMARY KEY,
    player_id     text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    claimed_until timestamptz,
    outcome       text        CHECK (outcome IN ('link', 'unknown', 'onboarding', 'failed')),
    url           text,
    reason        text,
    answered_at   timestamptz,
    CHECK ((outcome IS NULL) = (answered_at IS NULL)),
    CHECK ((outcome = 'link') = (url IS NOT NULL))
);
CREATE INDEX login_link_requests_waiting ON login_link_requests (requested_at) WHERE outcome IS NULL;
CREATE INDEX login_link_requests_player ON login_link_requests (player_id, requested_at);
