-- 0006: gateway identify turns shared by every bot process on this database.
-- One row per identify bucket (shard_id % max_concurrency): the last turn reserved.
-- A process reserves max(now, turn_at + interval) atomically and sleeps until it, so
-- two processes starting together never identify one bucket too close together (op 9).

CREATE TABLE identify_slots (
    bucket   integer PRIMARY KEY,
    turn_at  double precision NOT NULL  -- unix time of the bucket's last reserved identify
);
