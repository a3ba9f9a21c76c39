import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat (100 on Linux almost always). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, ms) another process has used so far, read from /proc/<pid>/stat.
 * Resolution is one clock tick (10 ms), fine for runs of seconds.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses; fields are counted after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name and state.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** CPU time (user + system, ms) this process has used so far. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
