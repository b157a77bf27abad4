-- The referee's own record: contests and their lifecycle state, entries, games, the
-- latest cumulative stat values, and final standings once a contest is COMPLETE.

CREATE TABLE contests (
    contest_id           text        PRIMARY KEY,
    definition           jsonb       NOT NULL,
    state                text        NOT NULL CHECK (state IN ('SCHEDULED', 'LOCKED', 'LIVE', 'COMPLETE', 'CANCELLED')),
    entries_closed_count integer,
    cancel_requested     boolean     NOT NULL DEFAULT false,
    all_games_ended_at   timestamptz,
    standings_hash       text,
    inputs_hash          text,
    state_changed_at     timestamptz NOT NULL
);

CREATE TABLE contest_games (
    contest_id text NOT NULL REFERENCES contests,
    game_id    text NOT NULL,
    PRIMARY KEY (contest_id, game_id)
);
CREATE INDEX contest_games_by_game ON contest_games (game_id);

CREATE TABLE entries (
    entry_id   text   PRIMARY KEY,
    contest_id text   NOT NULL REFERENCES contests,
    player_id  text   NOT NULL,
    lineup     text[]
);
CREATE INDEX entries_by_contest ON entries (contest_id);

CREATE TABLE games (
    game_id    text        PRIMARY KEY,
    starts_at  timestamptz,
    started_at timestamptz,
    ended_at   timestamptz
);

-- Cumulative values: the fact with the highest sequence wins.
CREATE TABLE stat_values (
    game_id    text   NOT NULL,
    athlete_id text   NOT NULL,
    stat       text   NOT NULL,
    value      bigint NOT NULL,
    sequence   bigint NOT NULL,
    PRIMARY KEY (game_id, athlete_id, stat)
);

CREATE TABLE final_standings (
    contest_id  text    NOT NULL,
    rank        integer NOT NULL,
    entry_id    text    NOT NULL,
    player_id   text    NOT NULL,
    score_milli bigint  NOT NULL,
    PRIMARY KEY (contest_id, entry_id)
);

-- A correction that arrived after a contest was COMPLETE: recorded and reported, never applied to its result.
CREATE TABLE corrections_after_complete (
    contest_id      text        NOT NULL,
    game_id         text        NOT NULL,
    athlete_id      text        NOT NULL,
    stat            text        NOT NULL,
    sequence        bigint      NOT NULL,
    previous_value  bigint,
    corrected_value bigint      NOT NULL,
    recorded_at     timestamptz NOT NULL,
    PRIMARY KEY (contest_id, game_id, sequence)
);
