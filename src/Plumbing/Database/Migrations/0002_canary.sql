-- Hops of the end-to-end canary through this worker (see CanaryPassed).
CREATE TABLE canary_hops (
    canary_id   text        NOT NULL,
    stage       text        NOT NULL,
    hops        text[]      NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (canary_id, stage)
);
