-- 0007: reminders and loop reports are claimed with a lease (issue 13): at-least-once.
-- A claim no longer marks a round reminded (nor a loop reported); it sets a lease, and
-- the claimer records the delivery after the DM went out. A claimer that dies before
-- that leaves a lease that runs out, and another claimer sends it: nothing is lost.
-- Rows already reminded or reported under 0004's claim-once rule stay delivered.

ALTER TABLE loop_rounds ADD COLUMN claimed_until REAL;  -- unix time the claimer's lease ends
ALTER TABLE loops ADD COLUMN report_claimed_until REAL; -- the same for the end-of-loop report

-- what a claim looks for: rounds not yet delivered nor given up
DROP INDEX loop_rounds_due;
CREATE INDEX loop_rounds_due ON loop_rounds (due_at)
    WHERE reminded_at IS NULL AND remind_error IS NULL;
