-- The balance monitor's trend at each snapshot: the change per day over the trend window and,
-- when the balance falls, the whole days until it reaches zero at that rate (NULL: no trend yet,
-- or not falling).
ALTER TABLE balance_snapshots ADD COLUMN change_per_day_minor bigint;
ALTER TABLE balance_snapshots ADD COLUMN days_to_empty integer;
