import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A DynamoDB item as the low-level client reads and writes it. */
export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });

export function readString(item: Item, name: string): string | undefined {
  const value = item[name];
  return value !== undefined && "S" in value ? value.S : undefined;
}

export function readNumber(item: Item, name: string): number | undefined {
  const value = item[name];
  return value !== undefined && "N" in value && value.N !== undefined ? Number(value.N) : undefined;
}

export function readDate(item: Item, name: string): Date | undefined {
  const value = readString(item, name);
  return value === undefined ? undefined : new Date(value);
}
