-- 0015_last_login: when each user last logged in through the login form,
-- so an admin can tell the accounts in use from forgotten ones (the Users
-- page, GET /api/v1/users, `sluice users list`). NULL: never. A failed
-- login does not touch it. The last use of an API token is
-- api_tokens.last_used_at (0002), written by the web at most once a
-- minute per token (web/session.c), never on every call.
ALTER TABLE users ADD COLUMN last_login_at INTEGER;

-- Sessions are made only by a successful login: the newest one still
-- kept is the best answer for the logins made before this column.
UPDATE users SET last_login_at =
    (SELECT max(s.created_at) FROM sessions s WHERE s.user_id = users.id);
