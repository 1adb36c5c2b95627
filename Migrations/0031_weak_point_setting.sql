-- Issue 20: weak-point cards (missed rubric points) and their two settings.
-- addWeakPoints: every rubric point a mock interview misses becomes a card when its review is graded (off by default:
-- the review page offers "Practise this" per point).
-- weakPointsFirst: new weak-point cards come before new chapter cards within the one daily new-card limit (on by
-- default: they are what this learner got wrong); off, chapter cards come first, as before.
ALTER TABLE user ADD COLUMN addWeakPoints INTEGER NOT NULL DEFAULT 0 CHECK (addWeakPoints IN (0, 1));
ALTER TABLE user ADD COLUMN weakPointsFirst INTEGER NOT NULL DEFAULT 1 CHECK (weakPointsFirst IN (0, 1));
