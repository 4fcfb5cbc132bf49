DELETE FROM outbox WHERE kind = 'password_setup';
CREATE TABLE outbox_old (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns (id),
    invitation_id BIGINT REFERENCES invitations (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'summary')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT,
    body_html TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO outbox_old SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_campaign ON outbox (campaign_id);
DROP TABLE audit_log;
DROP TABLE password_setups;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE organizers;
