-- 0002: user and guild settings, the overall score, a turn counter, retention.

ALTER TABLE users ADD COLUMN dm_reminders boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN leaderboard_opt_in boolean NOT NULL DEFAULT false;

CREATE TABLE guild_settings (
    guild_id  text NOT NULL,
    key       text NOT NULL,
    value     text NOT NULL,                      -- JSON
    PRIMARY KEY (guild_id, key)
);

-- The rubric's overall figure, kept after the transcript is gone.
ALTER TABLE sessions ADD COLUMN overall double precision;
-- When the retention sweep removed the transcript and anonymised the session.
ALTER TABLE sessions ADD COLUMN purged_at double precision;
-- The seq of the last turn: a unit that appends turns bumps it in the same transaction.
ALTER TABLE sessions ADD COLUMN turn_count integer NOT NULL DEFAULT 0;
UPDATE sessions
   SET turn_count = COALESCE((SELECT MAX(seq) FROM turns WHERE turns.session_id = sessions.id), 0);

CREATE INDEX sessions_open_idle ON sessions (updated_at) WHERE status = 'open';
CREATE INDEX sessions_retention ON sessions (ended_at) WHERE status <> 'open' AND purged_at IS NULL;
CREATE INDEX sessions_by_guild ON sessions (guild_id, ended_at) WHERE guild_id IS NOT NULL;

-- One rating per rater, session and criterion: a second rating replaces the first
-- (keep the latest if the first schema let duplicates in).
DELETE FROM peer_ratings
 WHERE rater_id IS NOT NULL
   AND id NOT IN (SELECT MAX(id) FROM peer_ratings WHERE rater_id IS NOT NULL
                   GROUP BY session_id, rater_id, criterion_id);
CREATE UNIQUE INDEX peer_ratings_one_per_rater
    ON peer_ratings (session_id, rater_id, criterion_id) WHERE rater_id IS NOT NULL;
