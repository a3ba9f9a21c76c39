import { activeTraceIds } from "../core/open-telemetry.ts";

/** Where sqs-jobs writes its structured logs. `pino`, Powertools' Logger and `console` fit. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** The variable that sets the default log level of consumers. */
export const LOG_LEVEL_ENV = "SQS_JOBS_LOG_LEVEL";

/**
 * A logger that drops lines below its level before they are built: the batch core asks
 * `enabled(level)` first, so a quiet level costs no object per record.
 */
export class LevelLogger implements Logger {
  readonly #sink: Logger;
  readonly #level: LogLevel;
  readonly #rank: number;
  readonly #fields: Record<string, unknown> | undefined;

  constructor(sink: Logger, level: LogLevel, fields?: Record<string, unknown>) {
    this.#sink = sink;
    this.#level = level;
    this.#rank = RANK[level];
    this.#fields = fields;
  }

  enabled(level: Exclude<LogLevel, "silent">): boolean {
    return RANK[level] >= this.#rank;
  }

  /** A logger that adds `fields` to every line (the job context's logger). */
  child(fields: Record<string, unknown>): LevelLogger {
    return new LevelLogger(this.#sink, this.#level, { ...this.#fields, ...fields });
  }

  #write(level: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < this.#rank) return;
    const trace = activeTraceIds();
    const all =
      this.#fields === undefined && trace === undefined ? fields : { ...this.#fields, ...fields, ...trace };
    try {
      this.#sink[level](message, all);
    } catch {
      // A broken log sink must not fail a job.
    }
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#write("debug", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.#write("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.#write("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.#write("error", message, fields);
  }
}

function jsonLine(level: string, message: string, fields?: Record<string, unknown>): void {
  let line: string;
  try {
    line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields });
  } catch {
    line = JSON.stringify({ level, time: new Date().toISOString(), msg: message });
  }
  // stdout, not console: in Lambda console adds a text prefix that breaks JSON log parsing.
  process.stdout.write(`${line}\n`);
}

/** One JSON object per line on stdout: `{"level","time","msg",...fields}`. */
export const jsonLogger: Logger = {
  debug: (m, f) => jsonLine("debug", m, f),
  info: (m, f) => jsonLine("info", m, f),
  warn: (m, f) => jsonLine("warn", m, f),
  error: (m, f) => jsonLine("error", m, f),
};

function levelFromEnv(): LogLevel {
  const value = process.env[LOG_LEVEL_ENV]?.trim().toLowerCase();
  return value !== undefined && value in RANK ? (value as LogLevel) : "info";
}

export function resolveLogger(logger: Logger | undefined, level: LogLevel | undefined): LevelLogger {
  return new LevelLogger(logger ?? jsonLogger, level ?? levelFromEnv());
}
