-- The relay's progress through the outbox, kept in two small tables instead of on every row it
-- sends (Messaging/RelayProgress.cs). Marking each row sent rewrote the whole row (a second
-- tuple, new index entries, its WAL) and locked it first (more WAL): most of what Postgres did
-- per message in a busy pipeline. Now a row is written once, and a round of the relay writes
-- one small row.

-- Every outbox row with an id above read_through is unsent; at or below it, every row is sent,
-- but for the gaps below.
CREATE TABLE outbox_relay (
    singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    read_through   bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- Rounds in a row whose delivery failed, and the last failure (kept after a later success).
    failures       integer     NOT NULL DEFAULT 0,
    last_error     text,
    last_error_at  timestamptz
);

-- Ids at or below read_through that the relay has not read: a row that may still commit there
-- (its transaction began before the relay read past it) or never will (a rollback). Settled
-- once no transaction below horizon (a pg_snapshot xmax) is running.
CREATE TABLE outbox_gaps (
    from_id  bigint NOT NULL,
    to_id    bigint NOT NULL,
    horizon  bigint NOT NULL,
    PRIMARY KEY (from_id),
    CHECK (from_id <= to_id)
);

-- Ids are handed out in time order (one sequence, no per-session cache): the relay's gaps rely on it.
ALTER SEQUENCE outbox_ids CACHE 1;

-- The mark starts below the oldest unsent row. Writers are held off meanwhile, so that no
-- transaction still holds an id below it; rows above it that were sent go out once more, which
-- consumers' inboxes turn away.
LOCK TABLE outbox IN SHARE MODE;
INSERT INTO outbox_relay (read_through)
SELECT coalesce((SELECT min(id) - 1 FROM outbox WHERE sent_at IS NULL), (SELECT max(id) FROM outbox), 0);

-- Every row is written once now: the index of unsent rows would hold them all, and what the
-- relay wrote on a row (when it was sent, its attempts, its last error) has no writer left.
DROP INDEX outbox_unsent;
ALTER TABLE outbox DROP COLUMN sent_at, DROP COLUMN attempts, DROP COLUMN last_error;

-- Rows the relay has not published: above its mark, or in a gap below it.
CREATE VIEW outbox_unsent AS
SELECT o.* FROM outbox o WHERE o.id > (SELECT read_through FROM outbox_relay)
UNION ALL
SELECT o.* FROM outbox_gaps g JOIN outbox o ON o.id BETWEEN g.from_id AND g.to_id;

-- Retention: an outbox partition is dropped only once the relay has published all of it.
CREATE OR REPLACE FUNCTION retention_partitions(p_table text, p_keep interval, p_now timestamptz DEFAULT now())
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
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id > (SELECT read_through FROM outbox_relay)) '
                || 'OR EXISTS (SELECT 1 FROM outbox_gaps g JOIN %I o ON o.id BETWEEN g.from_id AND g.to_id)',
                part.relname, part.relname) INTO STRICT unsent;
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
