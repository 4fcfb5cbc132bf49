-- Results roll up the unit tree (issue 9): a campaign's snapshot holds the units it covers and
-- every ancestor of them. `covered` tells the two apart: links, imports and progress are for
-- covered units only; an ancestor that is not covered is there for its roll-up figures.
ALTER TABLE campaign_units ADD COLUMN covered BOOLEAN NOT NULL DEFAULT TRUE;

-- Campaigns created before this migration get their missing ancestors from today's tree.
WITH RECURSIVE ancestors (campaign_id, unit_id) AS (
    SELECT cu.campaign_id, u.parent_id
    FROM campaign_units cu JOIN units u ON u.id = cu.unit_id
    WHERE u.parent_id IS NOT NULL
    UNION
    SELECT a.campaign_id, u.parent_id
    FROM ancestors a JOIN units u ON u.id = a.unit_id
    WHERE u.parent_id IS NOT NULL
)
INSERT INTO campaign_units (campaign_id, unit_id, code, name, parent_code, covered)
SELECT DISTINCT a.campaign_id, u.id, u.code, u.name, p.code, FALSE
FROM ancestors a
JOIN units u ON u.id = a.unit_id
LEFT JOIN units p ON p.id = u.parent_id
WHERE NOT EXISTS (
    SELECT 1 FROM campaign_units c WHERE c.campaign_id = a.campaign_id AND c.unit_id = a.unit_id
);
