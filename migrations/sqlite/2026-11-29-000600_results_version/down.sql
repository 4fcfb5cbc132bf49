ALTER TABLE campaigns DROP COLUMN results_version;
