-- The platform's requests for a fresh onboarding link. Stripe's account links expire within
-- minutes and let whoever holds one onboard the account, so none travels on a topic: the
-- platform's read API adds a request here (its role may insert and read this table, nothing
-- else of Payout's), and Payout, the only process calling Stripe for payouts, answers it with a
-- new link or with why not.
CREATE TABLE onboarding_link_requests (
    request_id    text        PRIMARY KEY,
    player_id     text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    claimed_until timestamptz,
    outcome       text        CHECK (outcome IN ('link', 'unknown', 'onboarded', 'failed')),
    url           text,
    expires_at    timestamptz,
    reason        text,
    answered_at   timestamptz,
    CHECK ((outcome IS NULL) = (answered_at IS NULL)),
    CHECK ((outcome = 'link') = (url IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX onboarding_link_requests_waiting ON onboarding_link_requests (requested_at) WHERE outcome IS NULL;
