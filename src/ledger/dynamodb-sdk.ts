import { cachedUntilFailure } from "../core/cached-until-failure.ts";

/**
 * The DynamoDB SDK, loaded on first use: the pacing writes (rate limits, debounce) sit in modules
 * every consumer imports, and a consumer without a ledger must not load the SDK at start
 * (test/testing/start-up-cost.test.ts; the Lambda cold start).
 */
export const loadDynamoDbSdk = cachedUntilFailure(() => import("@aws-sdk/client-dynamodb"));
