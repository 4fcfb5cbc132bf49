ALTER TABLE invitations DROP COLUMN reminders_done;
