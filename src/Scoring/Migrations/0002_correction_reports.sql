-- Each correction after COMPLETE is reported once, as a diff of the standings
-- (ReportCorrectionsJob); reported_at says it was.
ALTER TABLE corrections_after_complete ADD COLUMN reported_at timestamptz;
CREATE INDEX corrections_unreported ON corrections_after_complete (recorded_at) WHERE reported_at IS NULL;
