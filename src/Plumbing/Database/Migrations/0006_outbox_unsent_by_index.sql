-- outbox_unsent read the whole outbox. Postgres cannot know the relay's mark when it plans
-- "id > (SELECT read_through ...)", so it took a third of the outbox to be above it and scanned
-- every partition; and outbox_gaps, empty and never analyzed, was taken for 1,570 rows of 22,000
-- outbox rows each, which put the plan's cost in the millions and had it compiled with LLVM on
-- every read. The relay reads it every 10 s for its backlog gauge: 330 ms of a backend each time
-- (142 ms compiling, 192 ms scanning) with 200,000 rows in the outbox, growing with the rows kept.
-- Two bounds the planner cannot know both (the mark, and no id above the largest bigint) are taken
-- for a narrow range, which it reads from the primary key: 0.1 ms.
ANALYZE outbox_gaps;
ANALYZE outbox_relay;

CREATE OR REPLACE VIEW outbox_unsent AS
SELECT o.* FROM outbox o
WHERE o.id > (SELECT read_through FROM outbox_relay) AND o.id < 9223372036854775807
UNION ALL
SELECT o.* FROM outbox_gaps g JOIN outbox o ON o.id BETWEEN g.from_id AND g.to_id;
