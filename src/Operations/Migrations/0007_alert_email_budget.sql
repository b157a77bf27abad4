-- How many warning and critical alerts of each source were emailed to the operators in each hour (by the read model's
-- clock when it took them, not the alert's own raised_at, which its producer writes). A service that raises alerts
-- by the hundred under its own name, broken or compromised, fills the console but not the operators' inboxes: past
-- the hour's budget one notice says so and the rest wait on the console.
CREATE TABLE alert_email_budget (
    source       text        NOT NULL,
    hour         timestamptz NOT NULL,
    emailed      integer     NOT NULL CHECK (emailed > 0),
    PRIMARY KEY (source, hour)
);
