-- Sign-in and sign-up throttling, and the indexes the dashboard and session clean-up read by.
-- One fixed window per bucket. A bucket names a kind and a SHA-256 of the client address or the lower-cased
-- username, so this table holds no personal data in the clear and needs no userId (an unknown username is
-- throttled exactly like a known one).
CREATE TABLE rateLimit (
    bucket TEXT PRIMARY KEY NOT NULL,
    windowStart TEXT NOT NULL,
    hits INTEGER NOT NULL CHECK (hits >= 0)
);
CREATE INDEX rateLimit_windowStart ON rateLimit(windowStart);

CREATE INDEX session_expiresAt ON session(expiresAt);
CREATE INDEX readingProgress_userId_readAt ON readingProgress(userId, readAt);
