/** The context object Lambda's Node.js runtime passes a handler, for one invocation. */
export function lambdaContext(options: {
  readonly functionName: string;
  readonly region: string;
  readonly memoryMb: number;
  readonly requestId: string;
  /** Epoch ms at which the invocation times out. */
  readonly deadline: number;
}) {
  return {
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${options.region}:000000000000:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryMb),
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, options.deadline - Date.now()),
  };
}
