-- Storage that does not grow without bound. The inbox keeps a message's id for as long as
-- Kafka can hand the message over again (the longest retention of the topics it came from,
-- dead-letter topics included, since a dead letter can be re-driven), and the outbox keeps
-- sent rows for a week; then whole time partitions are dropped (no row-by-row DELETE, no
-- bloat). Rows carry their partition in `bucket`: the month (inbox) or the ISO week (outbox,
-- Monday) in UTC in which they were written or last claimed. Uniqueness is per bucket (a
-- partitioned table's keys must include it); the code checks older buckets itself, under a
-- lock, so a message id is still handled once across buckets.

-- The inbox, partitioned by month.
ALTER TABLE inbox RENAME TO inbox_unpartitioned;
ALTER INDEX inbox_pkey RENAME TO inbox_unpartitioned_pkey;
CREATE TABLE inbox (
    consumer           text        NOT NULL,
    message_id         text        NOT NULL,
    topic              text        NOT NULL,
    kafka_partition    integer     NOT NULL,
    kafka_offset       bigint      NOT NULL,
    outcome            text        NOT NULL CHECK (outcome IN ('applied', 'dead_lettered')),
    dead_letter_count  integer     NOT NULL DEFAULT 0,
    processed_at       timestamptz NOT NULL DEFAULT now(),
    bucket             date        NOT NULL DEFAULT (date_trunc('month', now() AT TIME ZONE 'UTC'))::date,
    PRIMARY KEY (consumer, message_id, bucket)
) PARTITION BY RANGE (bucket);

-- The outbox, partitioned by week. Ids come from a sequence (an identity column cannot be
-- partitioned on PostgreSQL 15) that continues the old table's, so the relay's order holds.
ALTER TABLE outbox RENAME TO outbox_unpartitioned;
ALTER INDEX outbox_pkey RENAME TO outbox_unpartitioned_pkey;
ALTER INDEX outbox_message_id_key RENAME TO outbox_unpartitioned_message_id_key;
ALTER INDEX outbox_unsent RENAME TO outbox_unpartitioned_unsent;
CREATE SEQUENCE outbox_ids AS bigint;
CREATE TABLE outbox (
    id            bigint      NOT NULL DEFAULT nextval('outbox_ids'),
    message_id    text        NOT NULL,
    topic         text        NOT NULL,
    message_key   bytea,
    message_type  text        NOT NULL,
    payload       bytea,
    headers       jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text,
    bucket        date        NOT NULL DEFAULT (date_trunc('week', now() AT TIME ZONE 'UTC'))::date,
    PRIMARY KEY (id, bucket),
    UNIQUE (message_id, bucket)
) PARTITION BY RANGE (bucket);
ALTER SEQUENCE outbox_ids OWNED BY outbox.id;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Creates this bucket's partition and the next one's (so a write never finds none), and
-- drops the partitions whose every row is older than p_keep: for the outbox only once every
-- row in it was sent. Returns what it did. SECURITY DEFINER: the workers' runtime roles own
-- nothing and may not create or drop tables; they may call this, which only ever touches
-- this schema's inbox and outbox partitions. A lock it cannot get within 2 s (a long
-- transaction on the table) makes it fail, to be tried again later, instead of queueing
-- every writer behind it.
CREATE FUNCTION retention_partitions(p_table text, p_keep interval, p_now timestamptz DEFAULT now())
RETURNS TABLE (action text, partition_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    unit text;
    step interval;
    current_bucket date;
    b date;
    part record;
    lower_bound date;
    name text;
    unsent boolean;
BEGIN
    IF p_table = 'inbox' THEN unit := 'month';
    ELSIF p_table = 'outbox' THEN unit := 'week';
    ELSE RAISE EXCEPTION 'no retention partitions for table %', p_table;
    END IF;
    step := ('1 ' || unit)::interval;
    PERFORM set_config('lock_timeout', '2s', true);
    current_bucket := (date_trunc(unit, p_now AT TIME ZONE 'UTC'))::date;
    FOREACH b IN ARRAY ARRAY[current_bucket, (current_bucket + step)::date] LOOP
        name := p_table || '_p' || to_char(b, 'YYYYMMDD');
        IF to_regclass(quote_ident(name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, p_table, b, (b + step)::date);
            action := 'created';
            partition_name := name;
            RETURN NEXT;
        END IF;
    END LOOP;
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass(quote_ident(p_table)) ORDER BY c.relname
    LOOP
        lower_bound := to_date(right(part.relname, 8), 'YYYYMMDD');
        -- Its newest possible row is from just before its upper bound.
        CONTINUE WHEN (lower_bound + step) > (p_now - p_keep) AT TIME ZONE 'UTC';
        IF p_table = 'outbox' THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE sent_at IS NULL)', part.relname) INTO STRICT unsent;
            IF unsent THEN
                action := 'kept: unsent rows';
                partition_name := part.relname;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        EXECUTE format('DROP TABLE %I', part.relname);
        action := 'dropped';
        partition_name := part.relname;
        RETURN NEXT;
    END LOOP;
END $$;

-- Partitions for the rows already there, then the rows, each in the bucket of when it was
-- written (or last claimed), then the ones for now.
DO $$
DECLARE b date;
BEGIN
    FOR b IN SELECT DISTINCT (date_trunc('month', processed_at AT TIME ZONE 'UTC'))::date FROM inbox_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF inbox FOR VALUES FROM (%L) TO (%L)',
            'inbox_p' || to_char(b, 'YYYYMMDD'), b, (b + interval '1 month')::date);
    END LOOP;
    FOR b IN SELECT DISTINCT (date_trunc('week', created_at AT TIME ZONE 'UTC'))::date FROM outbox_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF outbox FOR VALUES FROM (%L) TO (%L)',
            'outbox_p' || to_char(b, 'YYYYMMDD'), b, (b + interval '1 week')::date);
    END LOOP;
END $$;
INSERT INTO inbox (consumer, message_id, topic, kafka_partition, kafka_offset, outcome, dead_letter_count, processed_at, bucket)
SELECT consumer, message_id, topic, kafka_partition, kafka_offset, outcome, dead_letter_count, processed_at,
       (date_trunc('month', processed_at AT TIME ZONE 'UTC'))::date
FROM inbox_unpartitioned;
INSERT INTO outbox (id, message_id, topic, message_key, message_type, payload, headers, created_at, sent_at, attempts, last_error, bucket)
SELECT id, message_id, topic, message_key, message_type, payload, headers, created_at, sent_at, attempts, last_error,
       (date_trunc('week', created_at AT TIME ZONE 'UTC'))::date
FROM outbox_unpartitioned;
SELECT setval('outbox_ids', coalesce((SELECT max(id) FROM outbox_unpartitioned), 0) + 1, false);
DROP TABLE inbox_unpartitioned;
DROP TABLE outbox_unpartitioned;
SELECT count(*) FROM retention_partitions('inbox', interval '100 years');
SELECT count(*) FROM retention_partitions('outbox', interval '100 years');
