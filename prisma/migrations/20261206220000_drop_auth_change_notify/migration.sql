-- The token cache that listened for this notification is gone: every request
-- asks the database (one prepared statement, api/src/auth.ts), so a revocation
-- applies at the next request on every instance without being announced.
DROP TRIGGER IF EXISTS "api_token_auth_changed" ON "api_token";
DROP TRIGGER IF EXISTS "user_auth_changed" ON "user";
DROP FUNCTION IF EXISTS "psirt_auth_changed"();
