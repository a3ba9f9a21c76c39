import { types } from "node:util";
import type { ValidationIssue } from "./errors.ts";
import { MAX_PAYLOAD_DEPTH } from "./json-depth.ts";

/** Enough to fix a payload; a huge array of NaN need not list every index. */
const MAX_ISSUES = 20;

/** What {@link wireCopy} found. */
export interface WireCopy {
  /**
   * The value as the other side of JSON will parse it: plain objects, arrays, strings, finite
   * numbers, booleans and null, built fresh (strings shared: they are immutable). Meaningful only
   * when `issues` is empty and `tooDeep` false.
   */
  readonly copy: unknown;
  /** Values JSON would change without an error (see {@link wireCopy}), at most 20. */
  readonly issues: readonly ValidationIssue[];
  /** The value nests arrays and objects more than {@link MAX_PAYLOAD_DEPTH} levels deep. */
  readonly tooDeep: boolean;
}

/** The placeholder for what JSON leaves out of an object (undefined, a function, a symbol). */
const OMITTED = Symbol("omitted");

/**
 * Copies a value the way `JSON.parse(JSON.stringify(value))` would, in one walk and without the
 * text: `toJSON` is called as JSON.stringify calls it (with its key), boxed primitives are
 * unwrapped, undefined, functions and symbols are left out of objects, and own enumerable string
 * keys are read once each, in `Object.keys` order (so a getter runs once, and the copy is exactly
 * what JSON.stringify of the copy writes). Strings are shared, so a payload that is mostly text
 * costs a walk of its structure, not of its bytes (a JSON.parse of 2 MiB is ~3 ms).
 *
 * Where JSON would change a value without an error, the walk reports it instead (the schema must
 * not accept what the consumer will not see): NaN and ±Infinity (sent as null), -0 (sent as 0),
 * `undefined`, functions and symbols inside arrays (sent as null), and Maps, Sets, typed arrays,
 * RegExps and Errors (sent as `{}` or an object of indexes). Paths are built only for an issue.
 *
 * It never descends past {@link MAX_PAYLOAD_DEPTH} levels, so it cannot overflow the stack; a
 * value deeper than that is `tooDeep` whatever else is in it.
 *
 * @throws what JSON.stringify throws, with V8's own message: a BigInt, a cycle (one that closes
 *   within the depth limit; one below it is `tooDeep`), or an error of a getter or `toJSON`
 */
export function wireCopy(value: unknown): WireCopy {
  const walk = new Walk();
  const copy = walk.property(value, "", 0, false);
  return { copy: copy === OMITTED ? undefined : copy, issues: walk.issues, tooDeep: walk.tooDeep };
}

class Walk {
  readonly issues: ValidationIssue[] = [];
  tooDeep = false;
  readonly #path: PropertyKey[] = [];
  /** The objects being copied, root first: one met again closes a cycle. */
  readonly #ancestors: object[] = [];

  /**
   * The copy of `holder[key]` (`value`), nested `depth` containers down, or {@link OMITTED} for
   * what JSON leaves out of an object (in an array it becomes null, which is reported).
   */
  property(value: unknown, key: string, depth: number, inArray: boolean): unknown {
    let v = value;
    if ((typeof v === "object" && v !== null) || typeof v === "bigint") {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") v = toJSON.call(v, key);
    }
    if (typeof v === "object" && v !== null && types.isBoxedPrimitive(v)) v = unboxed(v);
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (!Number.isFinite(v))
          this.#report(`is ${v}, which JSON sends as null; send a finite number or null`);
        else if (Object.is(v, -0)) this.#report("is -0, which JSON sends as 0; send 0");
        return v;
      case "bigint":
        throw new TypeError("Do not know how to serialize a BigInt");
      case "undefined":
      case "function":
      case "symbol":
        if (!inArray) return OMITTED;
        this.#report(
          `is ${v === undefined ? "undefined" : `a ${typeof v}`} inside an array, which JSON sends as null; remove it or use null`,
        );
        return null;
    }
    return v === null ? null : this.#container(v as object, depth + 1);
  }

  #container(v: object, depth: number): unknown {
    if (depth > MAX_PAYLOAD_DEPTH) {
      this.tooDeep = true;
      return null;
    }
    if (this.#ancestors.includes(v)) {
      // Throws V8's own message, which names the keys closing the cycle.
      JSON.stringify(v);
      throw new TypeError("Converting circular structure to JSON");
    }
    const array = Array.isArray(v);
    const proto: unknown = array ? undefined : Object.getPrototypeOf(v);
    if (proto !== undefined && proto !== Object.prototype) {
      // A raw JSON value (JSON.rawJSON) is written as its text: a primitive's.
      if (proto === null && isRawJson(v)) return JSON.parse(v.rawJSON);
      const lossy = lossyObjectKind(v);
      if (lossy !== undefined) {
        this.#report(
          `is a ${lossy}, which JSON does not carry (it sends {} or an object of indexes); send an array or a plain object`,
        );
        return null;
      }
    }
    this.#ancestors.push(v);
    const copy = array ? this.#array(v, depth) : this.#object(v as Record<string, unknown>, depth);
    this.#ancestors.pop();
    return copy;
  }

  #array(v: readonly unknown[], depth: number): unknown[] {
    const copy: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      this.#path.push(i);
      copy.push(this.property(v[i], String(i), depth, true));
      this.#path.pop();
    }
    return copy;
  }

  #object(v: Readonly<Record<string, unknown>>, depth: number): Record<string, unknown> {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      this.#path.push(k);
      const item = this.property(v[k], k, depth, false);
      this.#path.pop();
      if (item === OMITTED) continue;
      // An own "__proto__" key (JSON.parse makes one) must stay a key, not set the prototype.
      if (k === "__proto__")
        Object.defineProperty(copy, k, { value: item, enumerable: true, writable: true, configurable: true });
      else copy[k] = item;
    }
    return copy;
  }

  #report(message: string): void {
    if (this.issues.length < MAX_ISSUES)
      this.issues.push({ path: [...this.#path], kind: "json_loss", message });
  }
}

/**
 * A Number, String, Boolean or BigInt object as the primitive JSON.stringify writes for it, read
 * as it reads it (a Number through valueOf, a String through toString).
 */
function unboxed(v: object): unknown {
  if (types.isNumberObject(v)) return Number(v);
  if (types.isStringObject(v)) return String(v);
  if (types.isBooleanObject(v)) return v.valueOf();
  return (v as unknown as bigint).valueOf();
}

/** `JSON.rawJSON`'s values (Node 21+): frozen objects without a prototype, holding their text. */
function isRawJson(v: object): v is { readonly rawJSON: string } {
  const check = (JSON as { isRawJSON?: (o: unknown) => boolean }).isRawJSON;
  return check?.(v) === true;
}

/** Objects JSON.stringify turns into `{}` (or, for typed arrays, an object of indexes). */
function lossyObjectKind(value: object): string | undefined {
  if (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  ) {
    return Object.prototype.toString.call(value).slice(8, -1);
  }
  return undefined;
}
