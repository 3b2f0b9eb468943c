-- Study groups and progress (issue 5). Filled in by the study-group work.
CREATE TABLE IF NOT EXISTS _reserved_0004 (id INTEGER PRIMARY KEY);
DROP TABLE _reserved_0004;
