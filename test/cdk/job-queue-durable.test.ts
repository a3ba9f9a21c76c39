import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { JobQueue } from "../../cdk/lib/index.ts";
import { FIXTURE_ENTRY, inlineFunction, job, testStack } from "./stack.ts";

describe("JobQueue.grantCompleteCallbacks", () => {
  // Given a queue and a durable function whose executions wait for its jobs
  const stack = testStack();
  const q = new JobQueue(stack, "Thumbs", { name: "thumbs", jobs: [job("resize")], entry: FIXTURE_ENTRY });
  const durable = inlineFunction(stack, "Workflow");
  const workerRole = new iam.Role(stack, "WorkerRole", { assumedBy: new iam.AccountRootPrincipal() });
  q.grantCompleteCallbacks(durable);
  q.grantCompleteCallbacks(durable, workerRole);
  const template = Template.fromStack(stack);

  /** The statements of the policy attached to the role whose logical id starts with `rolePrefix`. */
  function statementsOf(rolePrefix: string): { Action: unknown; Resource: unknown }[] {
    const policies = Object.values(template.findResources("AWS::IAM::Policy"));
    return policies
      .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${rolePrefix}`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  }

  const expected = {
    Effect: "Allow",
    Action: ["lambda:SendDurableExecutionCallbackSuccess", "lambda:SendDurableExecutionCallbackFailure"],
    // `<function arn>:*`: Lambda authorizes callbacks against the execution's qualified ARN
    Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [expect.stringMatching(/^Workflow/), "Arn"] }, ":*"]] },
  };

  it("lets the consumer complete the durable function's callbacks on every version (function:name:*)", () => {
    expect(statementsOf("ThumbsConsumerRole")).toContainEqual(expected);
  });

  it("or another grantee, such as a worker's role", () => {
    expect(statementsOf("WorkerRole")).toContainEqual(expected);
  });
});
