-- Every response file imported into a campaign, by its SHA-256, so the same file run twice
-- (say after a kill right after the commit) is refused instead of doubling the data. Files
-- are not linked to the responses they held.
CREATE TABLE response_imports (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    file_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    responses BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX response_imports_by_file ON response_imports (campaign_id, file_sha256);
