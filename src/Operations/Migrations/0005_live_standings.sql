-- A contest's live standings while it runs: the first ten leaders of the newest StandingsUpdated Scoring published (one row a
-- contest, replaced only by a board computed later), for the console's contest page before the final standings exist.
CREATE TABLE live_standings (
    contest_id  text        PRIMARY KEY,
    version     bigint      NOT NULL,
    entry_count integer     NOT NULL,
    leaders     jsonb       NOT NULL,
    computed_at timestamptz NOT NULL
);
