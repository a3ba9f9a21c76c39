/**
 * The example registers no OpenTelemetry provider, so it leaves `@opentelemetry/api` (installed
 * here for the tests) out of its bundles: sqs-jobs then never finds it and never traces. An app
 * that traces keeps the default, which bundles it (docs/traces.md).
 */
export const UNTRACED = { externalModules: ["@aws-sdk/*", "@opentelemetry/api"] };
