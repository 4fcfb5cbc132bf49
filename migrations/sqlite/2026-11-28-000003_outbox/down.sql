DROP TABLE outbox;
ALTER TABLE units DROP COLUMN head_email;
