-- Scoring: the live classifier model, shared by every instance. One row;
-- Learn (support's spam/ham marks) replaces it, and instances reload it when
-- version moves.
CREATE TABLE scoring_model (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    BIGINT NOT NULL,
    model      BLOB NOT NULL,
    updated_at BIGINT NOT NULL
);
