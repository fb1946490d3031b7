-- 0007: what a sensor matched when it passed (s3_sensor: one line per
-- object, "name<TAB>size<TAB>ETag or mtime", sorted by name), one row per
-- sensor task instance. A sensor with recheck: compares a later listing
-- with it; a change is recorded here (the new text replaces the old) and
-- re-runs the partition's downstream. Goes with its task instance.
CREATE TABLE sensor_fingerprints (
    ti_id           INTEGER PRIMARY KEY REFERENCES task_instances (id) ON DELETE CASCADE,
    objects         TEXT NOT NULL,   -- the fingerprint text
    count           INTEGER NOT NULL,-- objects in it
    recorded_at     INTEGER NOT NULL,-- when this text was recorded
    changes         INTEGER NOT NULL DEFAULT 0 -- rechecks that found it changed
);
