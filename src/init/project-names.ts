/** The names a new project goes by: its npm package name and its CloudFormation stack name. */
export interface ProjectNames {
  /** An npm package name: lower case, `a-z0-9-._`, at most 214 characters. */
  readonly packageName: string;
  /** A CloudFormation stack name: a letter, then letters, digits and `-`. */
  readonly stackName: string;
}

/**
 * Names from what the user gave (or the directory's name), made valid rather than refused: a
 * folder called "My App" becomes the package `my-app` and the stack `MyApp`.
 */
export function projectNames(given: string): ProjectNames {
  const words = given
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
  const packageName = words.join("-").slice(0, 214) || "sqs-jobs-app";
  const pascal = words.map((w) => `${w[0]?.toUpperCase() ?? ""}${w.slice(1)}`).join("");
  const stackName = /^[A-Za-z]/.test(pascal) ? pascal.slice(0, 128) : `App${pascal}`.slice(0, 128);
  return { packageName, stackName };
}
