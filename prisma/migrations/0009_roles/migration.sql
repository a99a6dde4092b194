-- Roles enforced (src/domain/roles.ts): a membership written without a role is a VIEWER, never an OWNER; API keys
-- carry scopes, never more than their creator's role when used.

-- AlterTable
ALTER TABLE "memberships" ALTER COLUMN "role" SET DEFAULT 'VIEWER';

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];


-- Keys made before scopes acted as their creator, and every member was an owner: they keep every scope there was.
-- A demoted creator still narrows them (the role is checked at each use).
UPDATE "api_keys" SET "scopes" = ARRAY['posts:read', 'posts:write', 'channels:read', 'channels:write', 'members:write'];
