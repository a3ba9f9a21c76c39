/**
 * The message attribute that names the job, so routing, filters and DLQ listings need not parse
 * the body. The producer sets it; a dead-lettered copy keeps it.
 */
export const JOB_NAME_ATTRIBUTE = "sqs-jobs.job";
