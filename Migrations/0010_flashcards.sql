-- Flashcards: cards (from content, or a user's own), each user's FSRS state per card, and the review log.
-- Content cards have contentId = '<slug>/<key>' and no owner; they are synced from Content/ at startup by that id
-- and retired (hidden, history kept), never deleted. A user's own cards have userId set and a GUID unique per user
-- (Anki import upserts by it).
CREATE TABLE card (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contentId TEXT UNIQUE,
    userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    deck TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    front TEXT NOT NULL,
    back TEXT NOT NULL,
    frontHtml TEXT NOT NULL,
    backHtml TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    createdAt TEXT NOT NULL,
    updatedAt TEXT NOT NULL,
    CHECK ((contentId IS NULL) <> (userId IS NULL))
);
CREATE UNIQUE INDEX card_userId_guid ON card(userId, guid) WHERE userId IS NOT NULL;
CREATE INDEX card_deck ON card(deck);

-- One row per (user, card) once the user has reviewed or suspended the card; no row = new and not suspended.
CREATE TABLE cardState (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    cardId INTEGER NOT NULL REFERENCES card(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('learning', 'review', 'relearning')),
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT NOT NULL,
    lastReview TEXT,
    reviewCount INTEGER NOT NULL DEFAULT 0 CHECK (reviewCount >= 0),
    suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    UNIQUE (userId, cardId)
);
CREATE INDEX cardState_userId_due ON cardState(userId, due);

-- Every grade. stateBefore/stateAfter are the scheduler's card as JSON (stateBefore NULL for a new card), so undo
-- restores exactly and stats can tell first reviews, young and mature cards apart. (userId, cardId,
-- reviewCountBefore) is unique: the same grade submitted twice for the same shown card counts once.
CREATE TABLE reviewLog (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    cardId INTEGER NOT NULL REFERENCES card(id) ON DELETE CASCADE,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewedAt TEXT NOT NULL,
    reviewCountBefore INTEGER NOT NULL,
    stateBefore TEXT,
    stateAfter TEXT NOT NULL,
    previousPhase TEXT NOT NULL CHECK (previousPhase IN ('new', 'learning', 'review', 'relearning')),
    elapsedDays REAL,
    scheduledDays REAL,
    UNIQUE (userId, cardId, reviewCountBefore)
);
CREATE INDEX reviewLog_userId_reviewedAt ON reviewLog(userId, reviewedAt);
