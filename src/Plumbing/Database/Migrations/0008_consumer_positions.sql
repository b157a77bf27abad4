-- Where each consumer resumes in each partition it reads: the offset after the last message
-- it applied, skipped or dead-lettered there. Written in the same transaction as those
-- messages' inbox rows and effects, so it never runs ahead of or behind the data, and read when
-- the group gives the consumer a partition. Kafka's committed offsets are kept for lag gauges
-- only: a client that joins the group and commits cannot make a worker skip a message, and a
-- database restored from an earlier copy resumes from where its data is. A partition with no
-- row is read from its beginning; the inbox makes what was applied before a no-op.
CREATE TABLE consumer_positions (
    consumer         text        NOT NULL,
    topic            text        NOT NULL,
    kafka_partition  integer     NOT NULL,
    next_offset      bigint      NOT NULL CHECK (next_offset >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, kafka_partition)
);
