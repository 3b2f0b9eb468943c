-- 0004: study groups and progress (issue 5). Times are UTC seconds since the epoch.
-- Session links (retry lineage, who organised it, the bot-vs-panel message),
-- panelists with their one note each, and the five-round loop with its reminders.

CREATE TABLE session_links (
    session_id        INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    retry_of          INTEGER REFERENCES sessions(id) ON DELETE SET NULL,  -- the attempt retried
    organiser_id      TEXT,        -- who started it for the candidate; NULL once forgotten
    panel_message_id  TEXT         -- the bot-vs-panel message, edited as ratings come in
);
CREATE INDEX session_links_retry ON session_links (retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX session_links_organiser ON session_links (organiser_id)
    WHERE organiser_id IS NOT NULL;

CREATE TABLE panelists (
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at   REAL NOT NULL,
    note        TEXT,                          -- one free-text note per panelist
    noted_at    REAL,
    PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
CREATE INDEX panelists_by_user ON panelists (user_id);

CREATE TABLE loops (
    id           INTEGER PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('active', 'done', 'stopped')),
    started_at   REAL NOT NULL,
    ended_at     REAL,
    reported_at  REAL                          -- the end-of-loop report was claimed for sending
);
CREATE UNIQUE INDEX loops_one_active ON loops (user_id) WHERE status = 'active';

CREATE TABLE loop_rounds (
    loop_id       INTEGER NOT NULL REFERENCES loops(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,            -- 1 .. 5
    scenario_id   TEXT NOT NULL,
    due_at        REAL NOT NULL,
    reminded_at   REAL,      -- set by the unit that claims the reminder, so it is sent once
    remind_error  TEXT,      -- why the DM could not be sent (e.g. 'dms_closed')
    session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,  -- the attempt that did it
    PRIMARY KEY (loop_id, seq)
) WITHOUT ROWID;
CREATE INDEX loop_rounds_due ON loop_rounds (due_at) WHERE reminded_at IS NULL;
