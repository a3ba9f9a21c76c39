/** What the local stack knows about each resource, for resolving `Ref` and `Fn::GetAtt`. */
export interface ResolvedResource {
  /** The value of `Ref` (a queue's URL, a function's or bucket's name). */
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolveContext {
  readonly resources: ReadonlyMap<string, ResolvedResource>;
  readonly region: string;
  readonly account: string;
}

/** Values the local stack cannot give (an IAM role's ARN...) resolve to this, and are reported. */
export class Unresolved {
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}

function pseudo(name: string, ctx: ResolveContext): string | undefined {
  switch (name) {
    case "AWS::Region":
      return ctx.region;
    case "AWS::AccountId":
      return ctx.account;
    case "AWS::Partition":
      return "aws";
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::NoValue":
      return "";
    default:
      return undefined;
  }
}

/**
 * Resolves the intrinsic functions CDK puts in environment variables (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Select, Fn::Split, Fn::Sub with no variable map) to local values.
 */
export function resolveValue(value: unknown, ctx: ResolveContext): string | Unresolved {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return new Unresolved(JSON.stringify(value));
  const [fn, arg] = Object.entries(value)[0] ?? [];
  if (fn === "Ref" && typeof arg === "string") {
    return pseudo(arg, ctx) ?? ctx.resources.get(arg)?.ref ?? new Unresolved(`Ref ${arg}`);
  }
  if (fn === "Fn::GetAtt" && Array.isArray(arg)) {
    const [id, attr] = arg.map(String);
    return ctx.resources.get(id ?? "")?.attributes[attr ?? ""] ?? new Unresolved(`Fn::GetAtt ${id}.${attr}`);
  }
  if (fn === "Fn::Join" && Array.isArray(arg) && Array.isArray(arg[1])) {
    const parts = (arg[1] as unknown[]).map((part) => resolveValue(part, ctx));
    const bad = parts.find((p) => p instanceof Unresolved);
    return bad ?? parts.join(String(arg[0] ?? ""));
  }
  if (fn === "Fn::Select" && Array.isArray(arg)) {
    const list = resolveList(arg[1], ctx);
    if (list instanceof Unresolved) return list;
    return list[Number(arg[0])] ?? new Unresolved(`Fn::Select ${String(arg[0])}`);
  }
  if (fn === "Fn::Sub" && typeof arg === "string") {
    let missing: Unresolved | undefined;
    const out = arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id, attr] = name.split(".");
      const resolved =
        attr === undefined ? resolveValue({ Ref: id }, ctx) : resolveValue({ "Fn::GetAtt": [id, attr] }, ctx);
      if (resolved instanceof Unresolved) {
        missing = resolved;
        return "";
      }
      return resolved;
    });
    return missing ?? out;
  }
  return new Unresolved(String(fn));
}

function resolveList(value: unknown, ctx: ResolveContext): string[] | Unresolved {
  if (Array.isArray(value)) {
    const parts = value.map((v) => resolveValue(v, ctx));
    const bad = parts.find((p) => p instanceof Unresolved);
    return bad ?? (parts as string[]);
  }
  if (typeof value === "object" && value !== null && "Fn::Split" in value) {
    const arg = (value as { "Fn::Split": unknown })["Fn::Split"];
    if (Array.isArray(arg)) {
      const source = resolveValue(arg[1], ctx);
      return source instanceof Unresolved ? source : source.split(String(arg[0]));
    }
  }
  return new Unresolved("list");
}
