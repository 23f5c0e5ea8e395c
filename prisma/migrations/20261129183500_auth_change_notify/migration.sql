-- Every API instance keeps the tokens it has verified for a few seconds
-- (api/src/auth-cache.ts), and forgets them all when any change could make
-- one of them invalid or give it other rights: a token revoked, expired,
-- deleted; a user disabled, deleted, their roles or name changed. This
-- notification is how it learns of such a change, whoever made it (the API,
-- another instance, the CLI, plain SQL). Written by hand: Prisma's schema
-- language has no triggers.
CREATE FUNCTION "psirt_auth_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('psirt_auth_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

-- Not on last_used_at: the API touches that at most once a minute per token.
CREATE TRIGGER "api_token_auth_changed"
  AFTER UPDATE OF "revoked_at", "expires_at", "token_hash", "user_id", "reporter_id", "subject" OR DELETE
  ON "api_token" FOR EACH STATEMENT EXECUTE FUNCTION "psirt_auth_changed"();

CREATE TRIGGER "user_auth_changed"
  AFTER UPDATE OF "roles", "disabled_at", "email", "name" OR DELETE
  ON "user" FOR EACH STATEMENT EXECUTE FUNCTION "psirt_auth_changed"();
