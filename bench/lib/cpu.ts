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
 * CPU time (user + system, ms) another process has used so far, read from /proc/<pid>/stat, or
 * (`"children"`) that of its children it waited for. Resolution is one clock tick (10 ms), fine
 * for runs of seconds.
 */
export function processCpuMs(pid: number, whose: "own" | "children" = "own"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses; fields are counted after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name and state;
  // cutime and cstime (waited-for children) follow them.
  const first = whose === "own" ? 11 : 13;
  const utime = Number(fields[first]);
  const stime = Number(fields[first + 1]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** CPU time (user + system, ms) this process has used so far. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU time (user + system, ms) of this process's children that have exited and been waited for
 * (cutime + cstime of /proc/self/stat), their own waited-for children included. The difference
 * across one child's run is that child's CPU time, which another process's load slows far less
 * than it stretches wall time.
 */
export function exitedChildrenCpuMs(): number {
  return processCpuMs(process.pid, "children");
}
