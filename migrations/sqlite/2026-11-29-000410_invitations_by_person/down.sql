CREATE INDEX invitations_by_campaign ON invitations (campaign_id, unit_id);
CREATE INDEX invitations_by_email ON invitations (campaign_id, email);
DROP INDEX invitations_by_person;
