/**
 * EventBridge Scheduler's rule for schedule and schedule group names (AWS-FACTS: 1-64 characters
 * of `[0-9a-zA-Z-_.]`). A job's one-time schedule and a `queue.schedule(...)` id are such names.
 */
export const SCHEDULE_NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
