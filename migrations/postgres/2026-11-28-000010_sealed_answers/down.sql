DROP TABLE pending_answers;
DROP TABLE campaign_keys;
DROP TABLE server_key;
DROP TABLE drafts;
CREATE TABLE drafts (
    invitation_id BIGINT PRIMARY KEY REFERENCES invitations (id),
    answers TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
