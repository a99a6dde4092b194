// Used only by the Prisma CLI (`prisma generate`, `npm run migration:diff`). Prisma's native engines cannot be
// downloaded here, so the CLI runs its bundled WASM engine through the pg driver adapter.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://localhost/unused' }),
});
