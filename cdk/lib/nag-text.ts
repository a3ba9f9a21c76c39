/**
 * A resolved ARN as cdk-nag writes it in finding ids: `{ "Ref": "AWS::Region" }` as
 * `<AWS::Region>`, `{ "Fn::GetAtt": ["Bucket", "Arn"] }` as `<Bucket.Arn>`.
 */
export function nagText(value: unknown): string {
  if (typeof value === "string") return value;
  const {
    Ref,
    "Fn::Join": join,
    "Fn::GetAtt": att,
  } = value as { Ref?: string; "Fn::Join"?: [string, unknown[]]; "Fn::GetAtt"?: [string, string] };
  if (Ref !== undefined) return `<${Ref}>`;
  if (att !== undefined) return `<${att[0]}.${att[1]}>`;
  if (join !== undefined) return join[1].map(nagText).join(join[0]);
  return JSON.stringify(value);
}
