-- Issue 20: a learner may have every rubric point a mock interview misses added to their Weak points deck
-- automatically when the review is graded (off by default: the review page offers "Practise this" per point).
ALTER TABLE user ADD COLUMN addWeakPoints INTEGER NOT NULL DEFAULT 0 CHECK (addWeakPoints IN (0, 1));
