-- Anonymity against whoever reads the database files (issue 8). Drafts were readable JSON
-- keyed by the invitation; from now on they are sealed with a key derived from the link's own
-- token, which the server holds only while the respondent presents it. Readable drafts cannot
-- be sealed without that token, so they are dropped.
DROP TABLE drafts;
CREATE TABLE drafts (
    invitation_id BIGINT PRIMARY KEY REFERENCES invitations (id),
    sealed BLOB NOT NULL,
    saved_on DATE NOT NULL
);

-- The server key's fingerprint (an HMAC of a fixed text), so that an instance started with
-- another key refuses to run instead of sealing answers nobody else can open.
CREATE TABLE server_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);

-- One data key per campaign, sealed with the server key; deleted once the campaign closes and
-- its pending answers are released, so older copies of pending rows become unreadable for good.
CREATE TABLE campaign_keys (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id),
    sealed_key BLOB NOT NULL
);

-- Survey answers submitted through links and not yet released into `responses`: sealed with
-- the campaign's data key. Released k at a time, in random order, by a transaction of its own.
CREATE TABLE pending_answers (
    id BIGINT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    sealed BLOB NOT NULL
);
CREATE INDEX pending_answers_by_unit ON pending_answers (campaign_id, unit_id);
