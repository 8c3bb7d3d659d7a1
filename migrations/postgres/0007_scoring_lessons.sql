-- Scoring: every lesson support taught the classifier (Learn), as its
-- features (hashes, no text), oldest first, so that a newer default model
-- shipped with an upgrade can be taught them again (scoring/lessons.go).
CREATE TABLE scoring_lessons (
    id     BIGSERIAL PRIMARY KEY,
    at     BIGINT NOT NULL,
    lesson BYTEA NOT NULL
);
