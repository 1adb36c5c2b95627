-- Accounts, sessions and reading progress. Shipped: never edit; add a new numbered file instead.
CREATE TABLE user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL COLLATE NOCASE UNIQUE,
    passwordHash TEXT NOT NULL,
    timeZone TEXT NOT NULL DEFAULT 'UTC',
    dayStartHour INTEGER NOT NULL DEFAULT 4 CHECK (dayStartHour BETWEEN 0 AND 23),
    desiredRetention REAL NOT NULL DEFAULT 0.9 CHECK (desiredRetention BETWEEN 0.70 AND 0.97),
    maximumIntervalDays INTEGER NOT NULL DEFAULT 36500 CHECK (maximumIntervalDays >= 1),
    createdAt TEXT NOT NULL
);

CREATE TABLE session (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tokenHash TEXT NOT NULL UNIQUE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    csrfToken TEXT NOT NULL,
    createdAt TEXT NOT NULL,
    lastSeenAt TEXT NOT NULL,
    expiresAt TEXT NOT NULL
);
CREATE INDEX session_userId ON session(userId);

CREATE TABLE readingProgress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    documentUrl TEXT NOT NULL,
    sectionId TEXT NOT NULL,
    readAt TEXT NOT NULL,
    UNIQUE (userId, documentUrl, sectionId)
);
