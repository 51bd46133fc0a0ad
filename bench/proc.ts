// What a process costs, read from Linux /proc (0 where unavailable): the benches report CPU time and
// resident memory because, unlike throughput, they hardly move when other work shares the machine.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system) a process and its descendants, living or ended, have used so far, in ms. */
export function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (stat(5) fields 14 and 15), plus cutime and cstime (16 and 17): what children
    // that ended and were reaped used, or PostgreSQL's short-lived workers (autovacuum) would drop
    // out of the sum when they exit. In clock ticks of 10 ms (USER_HZ is 100 on Linux).
    let ms = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
    for (const child of childrenOf(pid)) ms += treeCpuMs(child);
    return ms;
  } catch {
    return 0;
  }
}

/** The living child processes of a process (those any of its threads started). */
export function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

/** Resident set size of a process in bytes. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
