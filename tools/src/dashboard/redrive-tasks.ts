import { randomUUID } from "node:crypto";
import { describeAwsError } from "sqs-jobs/internal/core/aws-errors";
import type { RedriveProgress, RedriveResult } from "sqs-jobs/internal/ops/redrive-options";
import { DashboardRequestError } from "./api-error.ts";

/** A redrive running in the background, as `api/tasks/<id>` shows it. */
export interface Task {
  readonly id: string;
  readonly kind: "redrive";
  readonly queue: string;
  state: "running" | "done" | "failed";
  moved: number;
  skipped: number;
  failed: number;
  total: number | null;
  errors: string[];
  readonly startedAt: string;
  endedAt: string | null;
}

/** Tasks kept for `api/tasks/<id>` after they end; the oldest go first. */
const KEPT = 100;
/** Error lines kept per task: a redrive of 100,000 failing messages must not fill memory. */
const MAX_ERRORS = 100;

/**
 * Background redrives, at most one running per DLQ: two at once would each hold what the other
 * is about to move. A redrive is never cancelled by the server; it ends on its own (each
 * message is moved at most once per run).
 */
export class RedriveTasks {
  readonly #tasks = new Map<string, Task>();
  readonly #runningByDlq = new Map<string, string>();

  /**
   * Starts `run` and answers at once with its task.
   *
   * @throws {DashboardRequestError} 409 REDRIVE_RUNNING while another redrive of this DLQ runs
   */
  start(
    options: { readonly queue: string; readonly dlqUrl: string; readonly total: number | null },
    run: (onProgress: (p: RedriveProgress) => void) => Promise<RedriveResult>,
    onEnd: () => void,
  ): Task {
    const runningId = this.#runningByDlq.get(options.dlqUrl);
    if (runningId !== undefined) {
      throw new DashboardRequestError(
        409,
        "REDRIVE_RUNNING",
        `a redrive of this dead-letter queue is already running (task ${runningId}); wait for it to end`,
      );
    }
    const task: Task = {
      id: randomUUID(),
      kind: "redrive",
      queue: options.queue,
      state: "running",
      moved: 0,
      skipped: 0,
      failed: 0,
      total: options.total,
      errors: [],
      startedAt: new Date().toISOString(),
      endedAt: null,
    };
    this.#keep(task);
    this.#runningByDlq.set(options.dlqUrl, task.id);
    const progress = (p: RedriveProgress): void => {
      task.moved = p.moved;
      task.skipped = p.skipped;
      task.failed = p.failed;
      if (p.total !== undefined) task.total = p.total;
    };
    run(progress)
      .then(
        (result) => {
          progress(result);
          task.errors = result.errors.slice(0, MAX_ERRORS);
          task.state = "done";
        },
        (error: unknown) => {
          task.errors = [describeAwsError(error)];
          task.state = "failed";
        },
      )
      .finally(() => {
        task.endedAt = new Date().toISOString();
        this.#runningByDlq.delete(options.dlqUrl);
        onEnd();
      });
    return task;
  }

  get(id: string): Task | undefined {
    return this.#tasks.get(id);
  }

  #keep(task: Task): void {
    this.#tasks.set(task.id, task);
    for (const [id, t] of this.#tasks) {
      if (this.#tasks.size <= KEPT) break;
      if (t.state !== "running") this.#tasks.delete(id);
    }
  }
}
