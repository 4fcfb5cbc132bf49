DELETE FROM outbox WHERE kind = 'password_setup';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('invitation', 'reminder', 'summary'));
DROP TABLE audit_log;
DROP TABLE password_setups;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE organizers;
