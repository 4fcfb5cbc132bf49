-- Organizers (issue 10): the people who run campaigns, in the console and through the API.
-- `role` is what they may do, `scope_unit_code` the subtree they may see (NULL: everything).
-- `password_hash` is an argon2id PHC string, NULL until a password is set.
CREATE TABLE organizers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    scope_unit_code TEXT REFERENCES units (code),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL
);

-- API tokens act with their organizer's role and scope. Only the SHA-256 of a token is stored.
-- Names are unique across all organizers, so that `kinerja token revoke NAME` is unambiguous.
-- A revoked token's row is deleted.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizers (id),
    name TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX api_tokens_by_organizer ON api_tokens (organizer_id);

-- Console sessions: the SHA-256 of the cookie's value, never the value itself. A session idle
-- for 8 hours is over (checked when it is used; expired rows are deleted in passing).
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizers (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);

CREATE INDEX sessions_by_organizer ON sessions (organizer_id);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

-- One-time links to set a password (24 hours): the SHA-256 of the link's token.
CREATE TABLE password_setups (
    token_sha256 TEXT PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES organizers (id),
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX password_setups_by_organizer ON password_setups (organizer_id);

-- What organizers did: `actor` is the organizer's email, or 'cli' for the server's operator
-- at the command line. Emails, not ids: the history outlives a removed organizer.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT
);

CREATE INDEX audit_log_by_time ON audit_log (at);

-- The outbox learns a new kind of message, the password link. SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt (nothing references it).
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT REFERENCES campaigns (id),
    invitation_id BIGINT REFERENCES invitations (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'summary', 'password_setup')),
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
INSERT INTO outbox_new SELECT id, campaign_id, invitation_id, kind, recipient, subject, body_text,
    body_html, message_id, status, attempts, next_attempt_at, locked_until, last_error,
    created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_campaign ON outbox (campaign_id);
