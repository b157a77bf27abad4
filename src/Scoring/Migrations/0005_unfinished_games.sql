-- Games that do not finish. Every phase a game goes through (started, postponed, suspended,
-- resumed, ended, cancelled), with its feed sequence and time: a contest's rule for unfinished
-- games is a function of this timeline and the contest's own fields. Games started or ended
-- before the timeline was kept had only those two phases, in that order.
CREATE TABLE game_phases (
    game_id       text        NOT NULL,
    sequence      bigint      NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('started', 'postponed', 'suspended', 'resumed', 'ended', 'cancelled')),
    at            timestamptz NOT NULL,
    new_starts_at timestamptz,
    PRIMARY KEY (game_id, sequence)
);
INSERT INTO game_phases (game_id, sequence, kind, at) SELECT game_id, 0, 'started', started_at FROM games WHERE started_at IS NOT NULL;
INSERT INTO game_phases (game_id, sequence, kind, at) SELECT game_id, 9223372036854775807, 'ended', ended_at FROM games WHERE ended_at IS NOT NULL;

-- A game that stopped counting for a contest (cancelled, postponed past the slate's end, not
-- final by it) and then came back into play: stats from cutoff_sequence on are not the
-- contest's. When that happened before the contest completed, the values it had are kept
-- (snapshot) for the contest's final standings; after, later stats are not corrections of its result.
CREATE TABLE contest_game_freezes (
    contest_id      text        NOT NULL REFERENCES contests,
    game_id         text        NOT NULL,
    cutoff_sequence bigint      NOT NULL,
    snapshot        boolean     NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (contest_id, game_id)
);

CREATE TABLE frozen_stat_values (
    contest_id text   NOT NULL,
    game_id    text   NOT NULL,
    athlete_id text   NOT NULL,
    stat       text   NOT NULL,
    value      bigint NOT NULL,
    PRIMARY KEY (contest_id, game_id, athlete_id, stat)
);

-- When the referee raised the critical alert that a game in play past the slate's end holds the contest LIVE.
ALTER TABLE contests ADD COLUMN held_alerted_at timestamptz;
