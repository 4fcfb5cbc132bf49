CREATE INDEX invitations_by_campaign ON invitations (campaign_id, unit_id);
CREATE INDEX invitations_by_email ON invitations (campaign_id, email);
DROP INDEX invitations_by_person;
ALTER TABLE invitation_tokens ALTER COLUMN token_sha256 TYPE TEXT COLLATE "default";
ALTER TABLE invitations ALTER COLUMN email TYPE TEXT COLLATE "default";
