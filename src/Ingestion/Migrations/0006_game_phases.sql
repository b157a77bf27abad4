-- Games that do not finish: a game may also be postponed, suspended or cancelled.
ALTER TABLE games DROP CONSTRAINT games_status_check;
ALTER TABLE games ADD CONSTRAINT games_status_check
    CHECK (status IN ('unknown', 'scheduled', 'postponed', 'started', 'suspended', 'ended', 'cancelled'));
