-- 0005: the Discord message an answer came from, so none is taken twice:
-- a message replayed after a gateway re-identify, or found again by looking back in
-- the channel's history, hits the unique index instead of becoming a second answer.

ALTER TABLE turns ADD COLUMN message_id text;  -- a Discord message snowflake; NULL otherwise

CREATE UNIQUE INDEX turns_one_per_message ON turns (session_id, message_id)
    WHERE message_id IS NOT NULL;
