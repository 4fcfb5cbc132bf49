DROP TABLE responses;
DROP TABLE campaign_units;
DROP TABLE campaigns;
DROP TABLE units;
DROP TABLE templates;
