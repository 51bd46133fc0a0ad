// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each
// figure beside its budget, and writes bench/results.json. Never part of `npm test`.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './types.ts';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

const results: Record<string, BenchRow[]> = {};
for (const file of files) {
  console.log(`\n# ${file}`);
  const module = (await import(join(dir, file))) as { bench: () => Promise<BenchRow[]> };
  const rows = await module.bench();
  results[file.replace(/\.bench\.ts$/, '')] = rows;
  for (const row of rows) {
    const verdict = row.ok === undefined ? '' : row.ok ? 'ok' : 'OVER BUDGET';
    console.log(
      `${row.name.padEnd(58)} ${row.value.toFixed(row.value < 10 ? 2 : 0).padStart(10)} ${row.unit.padEnd(8)} ${(row.budget ?? '').padEnd(12)} ${verdict}`,
    );
  }
}

writeFileSync(
  join(dir, 'results.json'),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, results }, null, 2)}\n`,
);
console.log('\nwrote bench/results.json');
process.exit(0);
