// A vitest reporter printing how long each test group (vitest.config.ts) took, before the closing summary line.
// A group is its projects' first name word ("unit" and "unit TZ=..."). The groups run one after another,
// so a group's time is the span from its first test file queued to its last one finished; `setup` is what came before
// the first (PostgreSQL, the template database). With POSTFLOW_TEST_TIMES=<file> it also writes
// "group<TAB>seconds<TAB>tests<TAB>failed" lines there, for .ci/run's stage table.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

interface Group {
  first: number;
  last: number;
  tests: number;
  failed: number;
}

const groupOf = (module: TestModule) => module.project.name.split(' ')[0] || 'default';

export default class TestGroupsReporter implements Reporter {
  private started = performance.now();
  private groups = new Map<string, Group>();

  onInit() {
    this.started = performance.now();
  }

  onTestModuleQueued(module: TestModule) {
    const name = groupOf(module);
    if (!this.groups.has(name)) this.groups.set(name, { first: performance.now(), last: performance.now(), tests: 0, failed: 0 });
  }

  onTestModuleEnd(module: TestModule) {
    const group = this.groups.get(groupOf(module));
    if (!group) return;
    group.last = performance.now();
    for (const test of module.children.allTests()) {
      group.tests++;
      if (test.result().state === 'failed') group.failed++;
    }
  }

  onTestRunEnd() {
    const rows: [string, number, number, number][] = [];
    const firstStart = Math.min(...[...this.groups.values()].map((g) => g.first));
    if (Number.isFinite(firstStart)) rows.push(['setup', (firstStart - this.started) / 1000, 0, 0]);
    for (const [name, g] of [...this.groups].sort((a, b) => a[1].first - b[1].first)) rows.push([name, (g.last - g.first) / 1000, g.tests, g.failed]);
    const lines = rows.map(
      ([name, s, tests, failed]) => `  ${name.padEnd(14)} ${s.toFixed(1).padStart(7)} s${tests ? `  ${tests} tests${failed ? `, ${failed} not passing` : ''}` : ''}`,
    );
    process.stdout.write(`\nTest groups (wall time):\n${lines.join('\n')}\n`);
    const file = process.env.POSTFLOW_TEST_TIMES;
    if (file) writeFileSync(file, rows.map((row) => `${row[0]}\t${row[1].toFixed(1)}\t${row[2]}\t${row[3]}\n`).join(''));
  }
}
