import { cpus, totalmem } from "node:os";

export interface MachineInfo {
  readonly cpus: number;
  readonly model: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
