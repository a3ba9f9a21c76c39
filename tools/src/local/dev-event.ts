/** What the local stack reports as it runs: each batch a function took, its log lines, and what went wrong. */
export type DevEvent =
  | {
      readonly type: "batch";
      readonly functionName: string;
      /** The queue the batch was read from. */
      readonly queueArn: string;
      readonly records: number;
      readonly failed: number;
      readonly durationMs: number;
    }
  | { readonly type: "log"; readonly functionName: string; readonly line: string }
  | { readonly type: "error"; readonly functionName?: string; readonly message: string };
