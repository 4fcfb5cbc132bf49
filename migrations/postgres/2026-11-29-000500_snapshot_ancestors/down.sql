DELETE FROM campaign_units WHERE covered = FALSE;
ALTER TABLE campaign_units DROP COLUMN covered;
