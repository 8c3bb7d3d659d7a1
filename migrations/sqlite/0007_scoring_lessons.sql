-- Scoring: every lesson support taught the classifier (Learn), as its
-- features (hashes, no text), oldest first, so that a newer default model
-- shipped with an upgrade can be taught them again (scoring/lessons.go).
CREATE TABLE scoring_lessons (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     BIGINT NOT NULL,
    lesson BLOB NOT NULL
);
