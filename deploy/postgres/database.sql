-- What every pipeline database starts with, after its owner became the migrator: nobody but
-- the migrator creates anything, not in public, not a temporary table. Run by the postgres
-- image's first start (after 10-roles.sh) and by the development tool on every database it
-- makes, so a role that may not create fails the same way here as in production.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;
