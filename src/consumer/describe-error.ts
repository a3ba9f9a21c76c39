/** A thrown value as logs, hooks and DLQ attributes show it. */
export interface ErrorDescription {
  readonly name: string;
  readonly message: string;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return undefined;
}

/**
 * Describes whatever a handler threw, and never throws itself: `null`, an object without a
 * prototype, one whose `toString` throws, an Error whose `name` is an object, a revoked Proxy
 * (which throws on any property read) all come out as a name and a message.
 */
export function describeError(error: unknown): ErrorDescription {
  try {
    if (error === null || error === undefined) {
      return { name: String(error), message: `${String(error)} was thrown` };
    }
    if (typeof error !== "object" && typeof error !== "function") {
      return { name: typeof error, message: text(error) ?? typeof error };
    }
    const { name, message } = error as { name?: unknown; message?: unknown };
    return {
      name: text(name) || (error instanceof Error ? "Error" : typeof error),
      message: text(message) ?? "(no message)",
    };
  } catch {
    return { name: "unknown", message: "(the thrown value could not be read)" };
  }
}

/** The `code` of an sqs-jobs error (`ERR_PERMANENT`...), read without trusting the value. */
export function errorCode(error: unknown): unknown {
  try {
    return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  } catch {
    return undefined;
  }
}
