-- 0005: the last good source of each DAG: the text of its file as it last
-- loaded, with its SHA-256 (hex) and the file's path. A scheduler (or the
-- web UI, or the CLI) that starts while the file is broken loads the DAG
-- from it, so tries left running are followed and active runs finish on
-- that version. Written only when the text or the file changed.
CREATE TABLE dag_sources (
    dag_id          TEXT PRIMARY KEY,
    file            TEXT NOT NULL,
    hash            TEXT NOT NULL,   -- sha256 hex of source
    source          BLOB NOT NULL,   -- the file's bytes
    loaded_at       INTEGER NOT NULL
);
CREATE INDEX dag_sources_file ON dag_sources (file, loaded_at);
