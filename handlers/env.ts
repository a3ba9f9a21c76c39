/** Where the example's consumers read inputs and write results (set by the example stack). */
export const BUCKET_ENV = "EXAMPLE_BUCKET";
