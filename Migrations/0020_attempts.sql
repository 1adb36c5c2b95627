-- Mock interviews ("design it yourself before reading the solution"). Shipped: never edit; add a new numbered file.
-- One attempt per start; one row per framework step holding the current text, its version (bumped on every saved
-- change, compared on save so an older tab cannot overwrite newer text) and the seconds spent on that step.
CREATE TABLE attempt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    caseSlug TEXT NOT NULL,
    startedAt TEXT NOT NULL,
    updatedAt TEXT NOT NULL,
    submittedAt TEXT,
    -- Self-assessment, 1 (no hire) … 4 (strong hire) per dimension; NULL until the learner grades.
    gradeScoping INTEGER CHECK (gradeScoping BETWEEN 1 AND 4),
    gradeFraming INTEGER CHECK (gradeFraming BETWEEN 1 AND 4),
    gradeData INTEGER CHECK (gradeData BETWEEN 1 AND 4),
    gradeModelling INTEGER CHECK (gradeModelling BETWEEN 1 AND 4),
    gradeServing INTEGER CHECK (gradeServing BETWEEN 1 AND 4),
    gradeCommunication INTEGER CHECK (gradeCommunication BETWEEN 1 AND 4),
    gradedAt TEXT
);
CREATE INDEX attempt_userId_caseSlug ON attempt(userId, caseSlug);
CREATE INDEX attempt_userId_updatedAt ON attempt(userId, updatedAt);

CREATE TABLE attemptStep (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    attemptId INTEGER NOT NULL REFERENCES attempt(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
    secondsSpent INTEGER NOT NULL DEFAULT 0 CHECK (secondsSpent >= 0),
    updatedAt TEXT NOT NULL,
    UNIQUE (attemptId, step)
);
CREATE INDEX attemptStep_userId ON attemptStep(userId);
