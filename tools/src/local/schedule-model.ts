import type { TemplateResource } from "./cloud-assembly.ts";

/** A periodic schedule of the CDK app (`AWS::Scheduler::Schedule`), as the local scheduler runs it. */
export interface ScheduleModel {
  readonly name: string;
  readonly groupName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly enabled: boolean;
  /** The queue the schedule sends to (its `Target.Arn` is that queue's `Fn::GetAtt Arn`). */
  readonly queueLogicalId: string;
  readonly input: string;
  readonly messageGroupId: string | undefined;
}

type Props = Record<string, unknown>;

const isObject = (value: unknown): value is Props =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads a schedule whose target is a queue of the app; undefined for any other target (a Lambda
 * function, an ARN from outside the app), which the local stack does not fire.
 */
export function scheduleModel(
  stackName: string,
  logicalId: string,
  props: Props,
  resources: Readonly<Record<string, TemplateResource>>,
): ScheduleModel | undefined {
  const target = isObject(props.Target) ? props.Target : {};
  const arn = isObject(target.Arn) ? target.Arn["Fn::GetAtt"] : undefined;
  const queueLogicalId = Array.isArray(arn) && arn[1] === "Arn" ? String(arn[0]) : undefined;
  if (queueLogicalId === undefined || resources[queueLogicalId]?.Type !== "AWS::SQS::Queue") return undefined;
  if (typeof props.ScheduleExpression !== "string") return undefined;
  const sqs = isObject(target.SqsParameters) ? target.SqsParameters : {};
  return {
    name: typeof props.Name === "string" ? props.Name : `${stackName}-${logicalId}`.slice(0, 64),
    groupName: groupNameOf(props.GroupName, resources),
    expression: props.ScheduleExpression,
    timezone: typeof props.ScheduleExpressionTimezone === "string" ? props.ScheduleExpressionTimezone : "UTC",
    enabled: props.State !== "DISABLED",
    queueLogicalId,
    input: typeof target.Input === "string" ? target.Input : "{}",
    messageGroupId: typeof sqs.MessageGroupId === "string" ? sqs.MessageGroupId : undefined,
  };
}

/** A group given by name, or by `Ref` to an `AWS::Scheduler::ScheduleGroup` of the app. */
function groupNameOf(group: unknown, resources: Readonly<Record<string, TemplateResource>>): string {
  if (typeof group === "string") return group;
  const ref = isObject(group) ? group.Ref : undefined;
  if (typeof ref !== "string") return "default";
  const name = resources[ref]?.Properties?.Name;
  return typeof name === "string" ? name : ref;
}
