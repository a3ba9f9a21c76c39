/** Where the example's consumers read inputs and write results (set by the example stack). */
export const BUCKET_ENV = "EXAMPLE_BUCKET";

/** The example's topic, by the logical name publishers use (`new JobClient({ topic })`). */
export const EVENTS_TOPIC = "events";
