import type { IncomingMessage, ServerResponse } from "node:http";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { OperationError } from "sqs-jobs/internal/core/aws-errors";
import { queueNameOf } from "sqs-jobs/internal/core/queue-url";
import { isEmptyFilter } from "sqs-jobs/internal/ops/dead-letter-filter";
import { setMappingsEnabled } from "sqs-jobs/internal/ops/event-source";
import { purgeQueue } from "sqs-jobs/internal/ops/purge";
import { resolveDeadLetterPair, resolveQueue } from "sqs-jobs/internal/ops/queue-ref";
import { redrive } from "sqs-jobs/internal/ops/redrive";
import { queueDepth } from "sqs-jobs/internal/ops/stats";
import { withStoredBodies } from "sqs-jobs/internal/ops/stored-payloads";
import { badRequest, DashboardRequestError } from "./api-error.ts";
import { filterOf, intParam, redriveSelection } from "./api-params.ts";
import { ConsumerCache, consumerView } from "./consumers.ts";
import { DeadLetterScans, deadLetterDetail, listDeadLetters } from "./dead-letters.ts";
import { DepthHistory } from "./depth-history.ts";
import { readJsonBody, sendJson } from "./http.ts";
import { type LedgerJobs, parseStates } from "./ledger-jobs.ts";
import { QueueSnapshots } from "./queue-snapshot.ts";
import { NO_RATES, type RateSource } from "./rates.ts";
import { RedriveTasks } from "./redrive-tasks.ts";
import { SamplingWhileViewed } from "./sampling-while-viewed.ts";
import { scheduleViews } from "./schedule-views.ts";

/** What the API reads and acts on. */
export interface ApiSources {
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient | undefined;
  readonly scheduler: (() => Promise<SchedulerClient>) | undefined;
  readonly jobs: LedgerJobs;
  readonly rates: RateSource | undefined;
  /** How often queue depths are sampled for the history while a page is open. */
  readonly sampleEveryMs: number;
  /** How long after the last request a page counts as closed, and sampling stops. */
  readonly idleAfterMs: number;
  /** Only the queues whose name starts with this. */
  readonly prefix: string | undefined;
  readonly info: {
    readonly version: string;
    readonly target: { readonly endpoint: string | null; readonly region: string };
    readonly readOnly: boolean;
  };
}

/**
 * Requests that need the token (and that a read-only dashboard refuses): every POST, a DLQ
 * message's payload and a job's result. Payloads and results may hold personal data; without
 * the token no answer carries them, whatever the body's format.
 */
export function isAction(method: string, url: URL): boolean {
  return method === "POST" || showsPayload(url) || showsResult(url);
}

const showsPayload = (url: URL): boolean =>
  url.pathname.includes("/dlq/") && url.searchParams.get("payload") === "1";
const showsResult = (url: URL): boolean =>
  url.pathname.includes("/jobs/") && url.searchParams.get("result") === "1";

type Route = (req: IncomingMessage, url: URL, match: readonly string[]) => Promise<unknown>;

/**
 * The dashboard's JSON API (docs/dashboard.md), on the ops layer: the same reads and actions as
 * `sqs-jobs status`, `dlq peek`, `dlq redrive`, `dlq purge`, `pause`, `resume`, `jobs` and
 * `schedules`. Safety (Host, Origin, token, read-only) is checked before a request gets here.
 */
export class DashboardApi {
  readonly #sources: ApiSources;
  readonly #snapshots: QueueSnapshots;
  readonly #consumers: ConsumerCache;
  readonly #history = new DepthHistory();
  readonly #scans: DeadLetterScans;
  readonly #tasks = new RedriveTasks();
  readonly #routes: readonly { method: string; pattern: RegExp; run: Route; status?: number }[];
  readonly #sampling: SamplingWhileViewed;

  constructor(sources: ApiSources) {
    this.#sources = sources;
    this.#snapshots = new QueueSnapshots(sources.sqs, { prefix: sources.prefix });
    this.#consumers = new ConsumerCache(sources.lambda);
    this.#scans = new DeadLetterScans(sources.sqs);
    // A failed sample (the endpoint down a moment) is skipped. A reading the page asked for
    // moments ago serves as the sample: an open queues page costs no reading of its own.
    this.#sampling = new SamplingWhileViewed(
      () => {
        this.#snapshots.get().then(
          (snapshot) => this.#history.record(snapshot),
          () => undefined,
        );
      },
      { everyMs: sources.sampleEveryMs, idleAfterMs: sources.idleAfterMs },
    );
    const seg = "([^/]+)";
    this.#routes = [
      { method: "GET", pattern: /^info$/, run: async () => this.#info() },
      { method: "GET", pattern: /^queues$/, run: async () => this.#queues() },
      { method: "GET", pattern: new RegExp(`^queues/${seg}/dlq$`), run: (_r, u, m) => this.#dlq(u, m) },
      {
        method: "POST",
        pattern: new RegExp(`^queues/${seg}/dlq/redrive$`),
        run: (r, _u, m) => this.#redrive(r, m),
        // Accepted: the redrive goes on as a task after the answer.
        status: 202,
      },
      {
        method: "POST",
        pattern: new RegExp(`^queues/${seg}/dlq/purge$`),
        run: (r, _u, m) => this.#purge(r, m),
      },
      {
        method: "GET",
        pattern: new RegExp(`^queues/${seg}/dlq/${seg}$`),
        run: (_r, u, m) => this.#message(u, m),
      },
      {
        method: "POST",
        pattern: new RegExp(`^queues/${seg}/(pause|resume)$`),
        run: (_r, _u, m) => this.#switch(m),
      },
      { method: "GET", pattern: new RegExp(`^tasks/${seg}$`), run: async (_r, _u, m) => this.#task(m) },
      { method: "GET", pattern: /^jobs$/, run: (_r, u) => this.#jobs(u) },
      {
        method: "GET",
        pattern: new RegExp(`^jobs/${seg}$`),
        run: (_r, u, m) => sources.jobs.get(m[0] ?? "", { showResult: showsResult(u) }),
      },
      { method: "GET", pattern: /^schedules$/, run: () => this.#schedules() },
    ];
  }

  close(): void {
    this.#sampling.close();
  }

  /** Answers `api/<path>`: JSON, or throws a {@link DashboardRequestError}. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    this.#sampling.seen();
    const method = req.method ?? "GET";
    let allowed = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      allowed = true;
      if (route.method !== method) continue;
      const args = m.slice(1).map(decodeSegment);
      const value = await route.run(req, url, args);
      sendJson(res, route.status ?? 200, value);
      return;
    }
    throw allowed
      ? new DashboardRequestError(
          405,
          "METHOD_NOT_ALLOWED",
          `${method} is not allowed on api/${path.slice(0, 100)}`,
        )
      : new DashboardRequestError(404, "NOT_FOUND", `no API route api/${path.slice(0, 100)}`);
  }

  #info() {
    const { info, jobs } = this.#sources;
    return {
      version: info.version,
      target: info.target,
      readOnly: info.readOnly,
      ledger: jobs.tableName === undefined ? null : { tableName: jobs.tableName },
      schedules: this.#sources.scheduler !== undefined,
    };
  }

  async #queues() {
    const snapshot = await this.#snapshots.get();
    const [consumers, rates] = await Promise.all([
      this.#consumers.of(snapshot.queues.map((q) => q.arn)),
      (this.#sources.rates ?? NO_RATES).read(snapshot.queues, snapshot.at),
    ]);
    return {
      at: snapshot.at.toISOString(),
      queues: snapshot.queues.map((q, i) => {
        const rate = rates.get(q.arn);
        return {
          ...q,
          // SQS's attributes have no age of the oldest message; CloudWatch's metric has.
          oldestAgeSeconds: q.oldestAgeSeconds ?? rate?.oldestAgeSeconds ?? null,
          ...(consumers[i] ?? { consumers: null, consumersError: "not read" }),
          history: this.#history.of(q.url),
          rates: rate ?? null,
        };
      }),
    };
  }

  async #dlq(url: URL, [queue = ""]: readonly string[]) {
    const limit = intParam(url.searchParams, "limit", { min: 1, max: 1_000, default: 100 });
    const filter = filterOf(url.searchParams);
    const { dlq } = await resolveDeadLetterPair(this.#sources.sqs, queue);
    const scan = await this.#scans.scan(dlq, limit);
    const records = scan.records.slice(0, limit);
    return {
      dlq: { name: dlq.name, url: dlq.url },
      depth: scan.depth,
      scanned: records.length,
      ...listDeadLetters(records, filter),
    };
  }

  async #message(url: URL, [queue = "", messageId = ""]: readonly string[]) {
    const { dlq } = await resolveDeadLetterPair(this.#sources.sqs, queue);
    const record = await this.#scans.find(dlq, messageId);
    if (record === undefined) {
      throw new DashboardRequestError(
        404,
        "MESSAGE_NOT_FOUND",
        `no message ${messageId.slice(0, 100)} in ${dlq.name}: it was redriven, purged, or is held by another reader`,
      );
    }
    if (!showsPayload(url) || record.payloadPointer === undefined)
      return deadLetterDetail(record, showsPayload(url));
    // Asked for with the token: a job sent through S3 is read from its bucket.
    const { endpoint, region } = this.#sources.info.target;
    const [read = record] = await withStoredBodies(
      [record],
      endpoint === null ? { region } : { endpoint, region },
    );
    return deadLetterDetail(read, true);
  }

  async #redrive(req: IncomingMessage, [queue = ""]: readonly string[]) {
    const filter = redriveSelection(await readJsonBody(req));
    const { sqs } = this.#sources;
    const { dlq, sources } = await resolveDeadLetterPair(sqs, queue);
    let total: number | null = null;
    if (filter?.messageIds !== undefined) total = filter.messageIds.size;
    else if (isEmptyFilter(filter)) {
      const depth = await queueDepth(sqs, dlq.url);
      total = depth.visible + depth.inFlight + depth.delayed;
    }
    const task = this.#tasks.start(
      { queue: queueNameOf(queue), dlqUrl: dlq.url, total },
      (onProgress) => redrive(sqs, { dlq, sources, filter, onProgress, pollMs: 1_000 }),
      () => {
        this.#scans.forget(dlq.url);
        this.#snapshots.invalidate();
      },
    );
    return { task };
  }

  async #purge(req: IncomingMessage, [queue = ""]: readonly string[]) {
    const body = await readJsonBody(req);
    const { dlq } = await resolveDeadLetterPair(this.#sources.sqs, queue);
    if (body.confirm !== dlq.name) {
      throw new DashboardRequestError(
        400,
        "CONFIRM_MISMATCH",
        `to purge, send { "confirm": "${dlq.name}" }: the name of the dead-letter queue whose messages are deleted for good`,
      );
    }
    await purgeQueue(this.#sources.sqs, dlq.url);
    this.#scans.forget(dlq.url);
    this.#snapshots.invalidate();
    return { purged: dlq.name };
  }

  async #switch([queue = "", verb = ""]: readonly string[]) {
    const { lambda, sqs } = this.#sources;
    if (lambda === undefined) {
      throw new DashboardRequestError(409, "NO_CONSUMER", "this dashboard has no Lambda client");
    }
    const ref = await resolveQueue(sqs, queue);
    try {
      const mappings = await setMappingsEnabled(lambda, ref.arn, verb === "resume");
      return { consumers: mappings.map(consumerView) };
    } catch (error) {
      // setMappingsEnabled says "no mapping reads this queue" as an OperationError without a cause.
      if (error instanceof OperationError && error.cause === undefined) {
        throw new DashboardRequestError(409, "NO_CONSUMER", error.message);
      }
      throw error;
    } finally {
      this.#consumers.forget();
    }
  }

  #task([id = ""]: readonly string[]) {
    const task = this.#tasks.get(id);
    if (task === undefined) {
      throw new DashboardRequestError(
        404,
        "TASK_NOT_FOUND",
        `no task ${id.slice(0, 100)} (tasks are kept while the server runs)`,
      );
    }
    return task;
  }

  async #jobs(url: URL) {
    const params = url.searchParams;
    const states = parseStates(params.get("state"));
    const limit = intParam(params, "limit", { min: 1, max: 1_000, default: 50 });
    const rawCursor = params.get("cursor");
    const before = rawCursor === null || rawCursor === "" ? undefined : new Date(Date.parse(rawCursor));
    if (before !== undefined && Number.isNaN(before.getTime()))
      throw badRequest("cursor is not one this API gave");
    const queue = params.get("queue");
    const queues =
      queue === null || queue === ""
        ? (await this.#snapshots.get()).queues.map((q) => q.name)
        : [queueNameOf(queue)];
    return this.#sources.jobs.list({ queues, states, limit, before }, { fresh: params.get("fresh") === "1" });
  }

  async #schedules() {
    if (this.#sources.scheduler === undefined) {
      throw new DashboardRequestError(404, "NO_SCHEDULER", "this dashboard has no Scheduler client");
    }
    return scheduleViews(await this.#sources.scheduler());
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`"${segment.slice(0, 100)}" is not a valid URL path segment (a stray "%")`);
  }
}
