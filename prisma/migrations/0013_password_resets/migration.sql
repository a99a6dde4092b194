-- Password reset by mail (issue 12, section 1; src/services/passwordReset.ts). Written by hand.
-- Like throttles, it is not in schema.prisma on purpose: only src/store/passwordResets.ts touches it, in SQL, nothing
-- reads it through Prisma or GraphQL, and `npm run migration:diff` compares Prisma models only, so it never proposes
-- to drop it. Only the SHA-256 of the token is kept: someone reading a backup cannot use a pending reset.
CREATE TABLE password_resets (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);
