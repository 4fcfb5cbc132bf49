-- Issue 12: who respondents write to about a campaign (shown on its pages and in its emails),
-- and the days after the invitation on which `serve` sends reminders ('3,7'; '' for none).
ALTER TABLE campaigns ADD COLUMN contact TEXT;
ALTER TABLE campaigns ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '';
