-- 0001: the first schema. Times are UTC seconds since the epoch (REAL).
-- Never edit a released migration: add a new numbered file instead.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,          -- platform id: a Discord snowflake or "console:<name>"
    display_name  TEXT NOT NULL DEFAULT '',  -- as last seen
    created_at    REAL NOT NULL,
    last_seen_at  REAL NOT NULL
);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    user_id          TEXT REFERENCES users(id),  -- NULL once anonymised
    place            TEXT NOT NULL,              -- "dm:<user>", "guild:<id>", "console"
    channel_id       TEXT,                       -- thread or channel id, if any
    guild_id         TEXT,                       -- NULL in a DM or the console
    scenario_id      TEXT NOT NULL,
    scenario_digest  TEXT NOT NULL,
    mode             TEXT NOT NULL CHECK (mode IN ('solo', 'group')),
    state            TEXT NOT NULL,              -- the interview state machine's JSON
    status           TEXT NOT NULL CHECK (status IN ('open', 'ended', 'expired')),
    started_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    ended_at         REAL,
    time_budget_s    INTEGER
);

-- One open session per user per place.
CREATE UNIQUE INDEX sessions_one_open ON sessions (user_id, place) WHERE status = 'open';
CREATE INDEX sessions_by_user ON sessions (user_id, started_at);

CREATE TABLE turns (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,                 -- 1, 2, 3 ... within a session
    role        TEXT NOT NULL CHECK (role IN ('candidate', 'interviewer', 'system')),
    author_id   TEXT,                             -- who said it; NULL for the bot or once anonymised
    text        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

CREATE INDEX turns_by_author ON turns (author_id) WHERE author_id IS NOT NULL;

CREATE TABLE rubric_results (
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    criterion_id  TEXT NOT NULL,
    met           INTEGER NOT NULL CHECK (met IN (0, 1)),
    score         REAL NOT NULL,
    evidence      TEXT NOT NULL DEFAULT '[]',     -- JSON list of quoted sentences
    PRIMARY KEY (session_id, criterion_id)
) WITHOUT ROWID;

CREATE TABLE antipatterns_seen (
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    antipattern_id  TEXT NOT NULL,
    PRIMARY KEY (session_id, antipattern_id)
) WITHOUT ROWID;

CREATE TABLE peer_ratings (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rater_id      TEXT REFERENCES users(id),      -- NULL once anonymised
    criterion_id  TEXT NOT NULL,
    rating        TEXT NOT NULL CHECK (rating IN ('met', 'partly', 'missed')),
    created_at    REAL NOT NULL
);

CREATE INDEX peer_ratings_by_session ON peer_ratings (session_id);
CREATE INDEX peer_ratings_by_rater ON peer_ratings (rater_id) WHERE rater_id IS NOT NULL;
