-- An optional last day for answering through links.
ALTER TABLE campaigns ADD COLUMN closes_on DATE;

-- Personal invitations. `state` records that an invitation was used, never when: a use time
-- could be matched against a response's date.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    email TEXT NOT NULL,
    name TEXT,
    lang TEXT NOT NULL CHECK (lang IN ('id', 'en')),
    state TEXT NOT NULL CHECK (state IN ('active', 'used', 'revoked')),
    created_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP
);

CREATE INDEX invitations_by_campaign ON invitations (campaign_id, unit_id);
CREATE INDEX invitations_by_email ON invitations (campaign_id, email);

-- The links of an invitation: only the SHA-256 of each token is stored. A reminder adds a link
-- (the first one's text is not kept, so it cannot be resent) and every link stays valid until
-- the invitation is used or revoked, so a form left open is never cut off.
CREATE TABLE invitation_tokens (
    token_sha256 TEXT PRIMARY KEY,
    invitation_id BIGINT NOT NULL REFERENCES invitations (id)
);

CREATE INDEX invitation_tokens_by_invitation ON invitation_tokens (invitation_id);

-- "Save and continue later": the answers given so far, as submitted by the form (JSON text).
-- Deleted in the transaction that stores the response.
CREATE TABLE drafts (
    invitation_id BIGINT PRIMARY KEY REFERENCES invitations (id),
    answers TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL
);

-- Checklist reviews are not anonymous: who reviewed, and the reviewer's comment per item, live
-- beside the response (a survey response has no row here).
CREATE TABLE review_reviewers (
    response_id BIGINT PRIMARY KEY REFERENCES responses (id),
    invitation_id BIGINT NOT NULL REFERENCES invitations (id)
);

CREATE TABLE review_comments (
    response_id BIGINT NOT NULL REFERENCES responses (id),
    item_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (response_id, item_id)
);
