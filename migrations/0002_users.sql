-- 0002_users: people and scripts that use the web UI and the REST API.
-- Passwords are yescrypt hashes (crypt(3) strings); session ids and API
-- tokens are stored only as SHA-256 hex of the secret the client holds.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,    -- sha256 of the cookie's value
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf            TEXT NOT NULL,       -- the token state changes must carry
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,-- sha256 of the token
    prefix          TEXT NOT NULL,       -- first characters, to tell tokens apart
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);

-- The partition grid reads a page of runs by (dag_id, start_s) and then
-- every task instance of those runs: UNIQUE (run_id, task_id) already
-- serves the join; this covers run lists filtered by state.
CREATE INDEX dag_runs_state ON dag_runs (dag_id, state, start_s);
