/**
 * A Lambda durable function's callback id, as `SendDurableExecutionCallbackSuccess` takes it:
 * 1 to 1,024 characters of base64 (`[A-Za-z0-9+/]+={0,2}`). Checked on send and in the envelope,
 * so a job never carries an id that Lambda would refuse when the job ends.
 */
const CALLBACK_ID = /^[A-Za-z0-9+/]+={0,2}$/;
const CALLBACK_ID_MAX = 1024;

/** What is wrong with a callback id (the field named `field`), or undefined; never echoes it. */
export function callbackIdProblem(value: unknown, field: string): string | undefined {
  if (typeof value === "string" && value.length <= CALLBACK_ID_MAX && CALLBACK_ID.test(value)) {
    return undefined;
  }
  const shape = typeof value === "string" ? `a ${value.length}-character string` : `a ${typeof value}`;
  return `${field} must be a durable function's callback id (1-${CALLBACK_ID_MAX} base64 characters), but ${shape} was provided`;
}
