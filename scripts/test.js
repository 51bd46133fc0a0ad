#!/usr/bin/env node
// `npm test`: typecheck, lint, unit + integration tests (vitest, with a real keychain), the
// examples (lint + their documented `vigil test`), the web-mode e2e suite (Playwright + Debian's
// Chromium), the Electron e2e suite (skips without a binary) and electronegativity. Ends with one
// line "N passed, N failed" summing every suite, the line CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const scratch = mkdtempSync(join(tmpdir(), 'vigil-npm-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

if (!process.version.startsWith('v24.')) {
  console.error(`npm test needs the pinned Node 24 (this is ${process.version}); run it through npm.`);
  process.exit(2);
}

// Sandboxes started by any suite (vitest, the e2e server) refuse to dial past loopback.
process.env.VIGIL_DIAL_LOOPBACK_ONLY = '1';

function run(label, command, args, options = {}) {
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status ?? 1;
}

/** A check that is one test: it passes or it fails. */
function check(label, command, args) {
  if (run(label, command, args) === 0) totals.passed++;
  else {
    totals.failed++;
    failures.push(label);
  }
}

// Tests touching the keychain need a Secret Service; on Linux the harness provides one.
const keyring = process.platform === 'linux' ? [join(root, 'scripts', 'with-keyring.sh')] : [];
const wrap = (command, args) => (keyring.length ? [keyring[0], [command, ...args]] : [command, args]);

check('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.json']);
check('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json']);
check('eslint', bin('eslint'), ['.']);

/** A vitest run, counted test by test from its JSON report. */
function countVitest(reportFile, label, status) {
  if (!existsSync(reportFile)) {
    totals.failed++;
    failures.push(`${label} (exit ${status}, no report)`);
    return;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  // A file that failed to load has no tests to count; it still is a failure.
  const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0);
  totals.failed += brokenFiles.length;
  if (report.numFailedTests > 0 || brokenFiles.length > 0) failures.push(label);
}

const vitestReport = join(scratch, 'vitest.json');
const vitestStatus = run('vitest', ...wrap(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]));
countVitest(vitestReport, 'vitest', vitestStatus);

// The same API suites again with every test server on PostgreSQL (a private cluster per file, see
// test/helpers/postgres.ts): the team server's store must pass what the embedded one passes. They
// skip, saying why, where PostgreSQL is not installed.
const POSTGRES_SUITES = [
  'admission-hold', 'api-fuzz', 'authorization', 'decide-page', 'events', 'execute-api', 'http-endpoint', 'http-errors',
  'indicator-validation', 'integrations-api', 'mcp', 'openapi-contract', 'run-steps', 'sandbox-wire', 'schedules',
  'sealed-secrets', 'secret-warnings', 'seed-api-shapes', 'test-api', 'trust-boundary', 'workflow-files-api', 'workflows-api',
].map((name) => `test/engine/${name}.test.ts`);
const postgresReport = join(scratch, 'vitest-postgres.json');
const postgresStatus = run('vitest on PostgreSQL', ...wrap(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${postgresReport}`, ...POSTGRES_SUITES]), {
  env: { ...process.env, VIGIL_TEST_DATABASE: 'postgres' },
});
countVitest(postgresReport, 'vitest on PostgreSQL', postgresStatus);

/** A Playwright suite, counted test by test from its JSON report. */
function playwright(label, args) {
  const report = join(scratch, `${label.replace(/\W+/g, '-')}.json`);
  const status = run(label, ...wrap(bin('playwright'), ['test', ...args]), {
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  });
  if (existsSync(report)) {
    const stats = JSON.parse(readFileSync(report, 'utf8')).stats;
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
    if (stats.unexpected > 0) failures.push(label);
  } else {
    totals.failed++;
    failures.push(`${label} (exit ${status}, no report)`);
  }
}

// The examples are the authoring contract's showcase: each must lint clean and pass the
// `vigil test` command its header documents, offline against its mocks.
const node = process.execPath;
const vigil = join(root, 'bin', 'vigil.js');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts')).sort();
check('examples: vigil lint', node, [vigil, 'lint', ...examples.map((name) => join('examples', name))]);
for (const name of examples) {
  const header = readFileSync(join(root, 'examples', name), 'utf8').match(/^\/\/ Test:\s+npx vigil (.+)$/m);
  if (!header) {
    totals.failed++;
    failures.push(`examples: ${name} has no "// Test:" line`);
    continue;
  }
  check(`examples: ${name}`, node, [vigil, ...shellWords(header[1])]);
}

/** Splits a documented command line into words: spaces separate, single quotes group. */
function shellWords(line) {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]);
}

playwright('e2e (web)', []);
// Skips, saying why, where there is no Electron binary (it cannot be downloaded everywhere).
playwright('e2e (electron)', ['-c', 'e2e/electron/playwright.config.ts']);
check('electronegativity', node, [join(root, 'scripts', 'electronegativity.js')]);

rmSync(scratch, { recursive: true, force: true });
if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
if (totals.skipped > 0) console.log(`\n${totals.skipped} skipped (each skip says why in its suite's output above)`);
// CI reads this exact shape from the last line.
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
