-- 0016_backfill_range: a backfill records the range it covers. from_key
-- and to_key become its first and last partition keys after the range
-- was cut to the DAG's start: and end: (so the listed range, its total
-- and its progress agree with what runs); the range as the person typed
-- it stays visible as asked_from / asked_to, with how many partitions
-- the cut left out. Backfills made before this kept the typed range in
-- from_key / to_key: it is what they asked, and no cut is known of them.
ALTER TABLE backfills ADD COLUMN asked_from TEXT;
ALTER TABLE backfills ADD COLUMN asked_to TEXT;
ALTER TABLE backfills ADD COLUMN left_out INTEGER NOT NULL DEFAULT 0;
UPDATE backfills SET asked_from = from_key, asked_to = to_key;
