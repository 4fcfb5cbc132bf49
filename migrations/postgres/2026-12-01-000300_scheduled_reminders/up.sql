-- Issue 12: scheduled reminders. `reminders_done` counts the reminders of the campaign's
-- schedule (`campaign create --reminders 3,7`) that an invitation has had or has passed: the
-- next one is due `reminder_days[reminders_done]` days after `created_at`. `serve` raises it
-- with a conditional UPDATE in the transaction that queues the reminder, so two servers on one
-- database never send the same one twice. It says nothing about answers: an invitation that is
-- used simply gets no more.
ALTER TABLE invitations ADD COLUMN reminders_done INTEGER NOT NULL DEFAULT 0;
