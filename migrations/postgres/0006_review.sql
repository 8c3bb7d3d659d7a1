-- Review: a held message keeps the link domains review tracked for it (at
-- most 5, lower-cased, space-separated), so the probation release applies
-- the same template rule as the assessment (a template's copy that links to
-- a suspicious new domain is not explained by the template). Rows held
-- before this migration have none recorded.
ALTER TABLE review_held ADD COLUMN link_domains TEXT NOT NULL DEFAULT '';
