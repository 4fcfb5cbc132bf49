DROP TABLE review_comments;
DROP TABLE review_reviewers;
DROP TABLE drafts;
DROP TABLE invitation_tokens;
DROP TABLE invitations;
ALTER TABLE campaigns DROP COLUMN closes_on;
