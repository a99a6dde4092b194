-- A publish whose outcome is unknown on a network that cannot retry safely waits for a person (or a lookup) as
-- UNCONFIRMED instead of being called FAILED.
ALTER TYPE "DeliveryStatus" ADD VALUE 'UNCONFIRMED' BEFORE 'CANCELLED';

-- Which graphile-worker pool belongs to which PostFlow worker (its liveness lock key, see src/store/workers.ts), so
-- that jobs fetched by a pool whose process died are handed back within seconds instead of hours.
CREATE TABLE worker_pools (
  pool_id    text PRIMARY KEY,
  lock_key   integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now()
);
