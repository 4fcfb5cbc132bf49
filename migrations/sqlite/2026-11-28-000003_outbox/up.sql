-- The head of each unit, who may receive the unit's own result summary.
ALTER TABLE units ADD COLUMN head_email TEXT;

-- Every email is written here first, in the transaction that caused it, then delivered by a
-- sender. A sent message's body (which may hold a link token) is erased.
CREATE TABLE outbox (
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

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_campaign ON outbox (campaign_id);
