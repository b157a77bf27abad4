-- A player's entries are read by player (the platform's read API, the console's player page,
-- cpctl players show); payouts have had their index by player from the start.
CREATE INDEX entries_by_player ON entries (player_id);
