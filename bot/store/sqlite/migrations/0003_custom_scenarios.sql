-- 0003: custom scenarios per server (issue 6), and every scenario version a session used.

-- One row per server and scenario id; an upload with the same id replaces the row.
CREATE TABLE custom_scenarios (
    guild_id     TEXT NOT NULL,
    scenario_id  TEXT NOT NULL,
    title        TEXT NOT NULL,
    round        TEXT NOT NULL,
    digest       TEXT NOT NULL,              -- the scenario's digest (SHA-256 of the source, cut)
    source       TEXT NOT NULL,              -- the TOML text as uploaded (data only, never run)
    size_bytes   INTEGER NOT NULL,
    uploaded_by  TEXT,                       -- who uploaded it; NULL once that user is forgotten
    uploaded_at  REAL NOT NULL,
    PRIMARY KEY (guild_id, scenario_id)
) WITHOUT ROWID;

CREATE INDEX custom_scenarios_by_uploader ON custom_scenarios (uploaded_by)
    WHERE uploaded_by IS NOT NULL;

-- The exact scenario a session started with, by digest, so an open session keeps
-- its version after a reload, a replacing upload, a removal or a restart.
CREATE TABLE scenario_versions (
    digest       TEXT PRIMARY KEY,
    scenario_id  TEXT NOT NULL,
    guild_id     TEXT,                       -- the server of a custom scenario; NULL if bundled
    source       TEXT NOT NULL,
    common       TEXT NOT NULL DEFAULT '{}', -- JSON: the shared concepts it was compiled with
    created_at   REAL NOT NULL
) WITHOUT ROWID;
