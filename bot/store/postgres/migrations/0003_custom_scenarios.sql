-- 0003: custom scenarios per server, and every scenario version a session used.

-- One row per server and scenario id; an upload with the same id replaces the row.
CREATE TABLE custom_scenarios (
    guild_id     text NOT NULL,
    scenario_id  text NOT NULL,
    title        text NOT NULL,
    round        text NOT NULL,
    digest       text NOT NULL,              -- the scenario's digest (SHA-256 of the source, cut)
    source       text NOT NULL,              -- the TOML text as uploaded (data only, never run)
    size_bytes   integer NOT NULL,
    uploaded_by  text,                       -- who uploaded it; NULL once that user is forgotten
    uploaded_at  double precision NOT NULL,
    PRIMARY KEY (guild_id, scenario_id)
);

CREATE INDEX custom_scenarios_by_uploader ON custom_scenarios (uploaded_by)
    WHERE uploaded_by IS NOT NULL;

-- The exact scenario a session started with, by digest, so an open session keeps
-- its version after a reload, a replacing upload, a removal or a restart.
CREATE TABLE scenario_versions (
    digest       text PRIMARY KEY,
    scenario_id  text NOT NULL,
    guild_id     text,                       -- the server of a custom scenario; NULL if bundled
    source       text NOT NULL,
    common       text NOT NULL DEFAULT '{}', -- JSON: the shared concepts it was compiled with
    created_at   double precision NOT NULL
);
