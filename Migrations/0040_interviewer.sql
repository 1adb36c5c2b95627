-- Issue 19: the interviewer. One row per turn of an attempt's conversation, in order of id:
--   question: the learner's question (prompt) and the interviewer's answer (reply); ref = the fact that answered,
--             NULL for the fallback; clientKey = the browser's id for the question, so a retried post adds it once.
--   followUp: the interviewer's follow-up (prompt, ref = its id in the case's sheet) and the learner's reply, which
--             is edited and autosaved like a step (version bumped on every change, compared on save).
-- At most one follow-up per step of an attempt, and each follow-up at most once.
CREATE TABLE attemptTurn (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attemptId INTEGER NOT NULL REFERENCES attempt(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('question', 'followUp')),
    step TEXT NOT NULL,
    prompt TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    ref TEXT,
    confidence REAL,
    clientKey TEXT,
    version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
    createdAt TEXT NOT NULL,
    updatedAt TEXT NOT NULL
);
CREATE INDEX attemptTurn_attemptId ON attemptTurn(attemptId);
CREATE INDEX attemptTurn_userId ON attemptTurn(userId);
CREATE UNIQUE INDEX attemptTurn_clientKey ON attemptTurn(attemptId, clientKey) WHERE clientKey IS NOT NULL;
CREATE UNIQUE INDEX attemptTurn_followUpStep ON attemptTurn(attemptId, step) WHERE kind = 'followUp';
CREATE UNIQUE INDEX attemptTurn_followUpRef ON attemptTurn(attemptId, ref) WHERE kind = 'followUp';
-- How many follow-ups the interviewer may pose in this attempt (0 turns them off), chosen when it starts.
ALTER TABLE attempt ADD COLUMN followUps INTEGER NOT NULL DEFAULT 2 CHECK (followUps BETWEEN 0 AND 3);
