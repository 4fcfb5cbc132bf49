-- Bumped whenever a campaign's published results can change (responses stored or released, status
-- changed), so a cache of computed results knows when it is stale without counting rows.
ALTER TABLE campaigns ADD COLUMN results_version BIGINT NOT NULL DEFAULT 0;
