DELETE FROM campaign_units WHERE covered = 0;
ALTER TABLE campaign_units DROP COLUMN covered;
