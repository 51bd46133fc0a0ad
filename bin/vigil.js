#!/usr/bin/env node
// The `vigil` command. Runs the bundle in out/cli (`npm run build`, `npm run serve`) while it is
// current, else the TypeScript sources directly (the pinned Node 24 strips types): same code, but
// from sources `vigil serve` takes about twice as long to listen.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `vigil needs Node 24 or newer (this is ${process.version}). Run it through npm ` +
      '(`npx vigil …`, `npm run serve`), which uses the Node 24 pinned in devDependencies.',
  );
  process.exit(2);
}
// Node keeps every module's compiled code in its on-disk cache (in the temp folder) between runs:
// a warm start of `vigil serve` is about a third faster.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { cliBundleIsCurrent } = await import('../scripts/cli-bundle.js');
const { main } = cliBundleIsCurrent() ? await import('../out/cli/vigil.js') : await import('../src/main/cli.ts');
process.exitCode = await main(process.argv.slice(2));
