-- Every provider event released in sequence order, applied or refused, by the hash of its
-- content: the sequencer keeps no content of what it let through, so without this a
-- different event arriving later under a sequence already taken would be dropped as a
-- re-send instead of dead-lettered as a conflict.
CREATE TABLE released_events (
    game_id      text   NOT NULL,
    sequence     bigint NOT NULL,
    message_id   text   NOT NULL,
    content_hash text   NOT NULL,
    PRIMARY KEY (game_id, sequence)
);
