-- 0006: gateway identify turns shared by every bot process on this database (issue 13).
-- One row per identify bucket (shard_id % max_concurrency): the last turn reserved.
-- A process reserves max(now, turn_at + 5 s) atomically and sleeps until it, so two
-- processes starting together never identify one bucket less than 5 s apart (op 9).

CREATE TABLE identify_slots (
    bucket  INTEGER PRIMARY KEY,
    turn_at REAL NOT NULL  -- unix time of the bucket's last reserved identify
);
