-- Re-invitation checks look a person up by campaign, address and unit. With only
-- (campaign_id, unit_id) and (campaign_id, email) to choose from, SQLite took the unit index
-- for that lookup and scanned every invitation of the unit, so each line of `kinerja invite`
-- cost more as the campaign grew (20,000 lines on top of 82,000 took 54 s). This index serves
-- that lookup, every lookup by address and, as its prefix, every scan of a campaign (no query
-- filters on the unit), so it replaces both: one index less to update per invitation.
CREATE INDEX invitations_by_person ON invitations (campaign_id, email, unit_id);
DROP INDEX invitations_by_email;
DROP INDEX invitations_by_campaign;
