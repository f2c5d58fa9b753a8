// Reading a process's CPU time and memory from /proc (Linux only).
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: the unit of utime and stime in /proc/PID/stat. It is 100 on every
// Linux the bench runs on; `getconf CLK_TCK` says so.
const TICK_US = 10_000;

/** User plus system CPU time of a process, in microseconds. */
export function cpuTimeUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15; fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** VmRSS and VmHWM (peak RSS) in bytes. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m === null ? 0 : Number(m[1]) * 1024;
  };
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** How many file descriptors a process has open. */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** The soft and hard open-file limits of a process. */
export function fdLimits(pid) {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  return m === null ? null : { soft: Number(m[1]), hard: Number(m[2]) };
}
