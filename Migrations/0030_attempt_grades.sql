-- The rubric grader's latest grade of each attempt (issue 17), so history, the dashboard and progress show scores
-- without grading again after a restart. gradeKey hashes the answer text with the rubric version: a grade whose key
-- no longer matches the attempt is stale and is made again when the review is next viewed. Deleting the attempt
-- deletes its grade; the learner's text is never touched by grading.
CREATE TABLE attemptGrade (
    attemptId INTEGER PRIMARY KEY REFERENCES attempt(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    gradeKey TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    report TEXT NOT NULL,
    gradedAt TEXT NOT NULL
);
CREATE INDEX attemptGrade_userId ON attemptGrade(userId);
