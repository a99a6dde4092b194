// Rules of the code's shape that a reviewer would otherwise have to remember: one list of networks with every
// table complete, and one place that writes a delivery's status.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORM_NAMES } from '../src/integrations/types.js';
import { CONTENT_RULES } from '../src/integrations/contentRules.js';
import { NETWORK_LIMITS } from '../src/integrations/limits.js';
import { createProviderRegistry } from '../src/integrations/registry.js';
import { createOutboundPolicy } from '../src/security/outbound/policy.js';
import { Platform } from '../src/generated/prisma/enums.js';
import { DELIVERY_STATUSES } from '../src/domain/deliveryStatus.js';
import { DeliveryStatus } from '../src/generated/prisma/enums.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const sources = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'generated' ? [] : sources(path.join(dir, e.name))) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );

describe('the list of networks', () => {
  it('is one list, and every table has an entry for every network', () => {
    const names = [...PLATFORM_NAMES].sort();
    expect(Object.values(Platform).sort()).toEqual(names); // the database enum
    expect(Object.keys(CONTENT_RULES).sort()).toEqual(names);
    expect(Object.keys(NETWORK_LIMITS).sort()).toEqual(names);
    expect(
      createProviderRegistry({ requestTimeoutMs: 1000, telegramApiUrl: 'http://127.0.0.1:9', platforms: {}, outbound: createOutboundPolicy({ allow: [], exempt: [] }) })
        .platforms()
        .sort(),
    ).toEqual(names);
    const pages = readdirSync(path.join(ROOT, 'docs/networks')).map((f) => f.replace(/\.md$/, '').toUpperCase());
    for (const name of names) expect(pages, `docs/networks/ has no page for ${name}`).toContain(name);
  });
});

describe('delivery statuses', () => {
  it('are the database enum, in one table', () => {
    expect([...DELIVERY_STATUSES].sort()).toEqual(Object.values(DeliveryStatus).sort());
  });

  it('are written only by src/store/', () => {
    const writers = sources('src')
      .filter((file) => !file.startsWith(`src${path.sep}store${path.sep}`))
      .filter((file) => {
        const text = readFileSync(path.join(ROOT, file), 'utf8');
        // SQL that sets a delivery's status, or a Prisma write on deliveries.
        return (
          /UPDATE\s+deliveries\b[^;`]*\bSET\b[^;`]*\bstatus\s*=/i.test(text) ||
          /INSERT\s+INTO\s+deliveries\b/i.test(text) ||
          /\.delivery\.(update|updateMany|create|createMany|upsert)\(/.test(text) ||
          /deliveries:\s*\{\s*create/.test(text)
        );
      });
    expect(writers).toEqual([]);
  });
});

describe('writes', () => {
  it('are made by src/store/ alone: Prisma only reads elsewhere', () => {
    // db/ opens and migrates the database; nothing else outside the store writes a row.
    const outside = sources('src').filter((file) => !file.startsWith(`src${path.sep}store${path.sep}`) && !file.startsWith(`src${path.sep}db${path.sep}`));
    const writers = outside.filter((file) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return (
        (/\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\(\s*\{/.test(text) && /prisma/.test(text)) ||
        /\$(executeRaw|queryRaw)/.test(text) ||
        /\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i.test(text)
      );
    });
    expect(writers).toEqual([]);
  });
});
