-- The read API counts a player's recent onboarding-link requests before adding one (its per-player
-- limit), and Payout deletes requests past their retention by age: both look rows up by when they
-- were made, the first per player.
CREATE INDEX onboarding_link_requests_player ON onboarding_link_requests (player_id, requested_at);
CREATE INDEX onboarding_link_requests_age ON onboarding_link_requests (requested_at);
