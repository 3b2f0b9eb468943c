-- Custom scenarios per server (issue 6). Filled in by the scenario-authoring work.
CREATE TABLE IF NOT EXISTS _reserved_0003 (id INTEGER PRIMARY KEY);
DROP TABLE _reserved_0003;
