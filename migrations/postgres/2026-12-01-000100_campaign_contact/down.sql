ALTER TABLE campaigns DROP COLUMN reminder_days;
ALTER TABLE campaigns DROP COLUMN contact;
