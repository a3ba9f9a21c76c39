/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The fence's language (`ts`, `sh`...), "" when none. */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  /** The `## ` heading the block is under, "" before the first. */
  readonly section: string;
  /** Preceded by `<!-- docs-test: skip -->`: a block no test can run (it needs AWS, Docker...). */
  readonly skip: boolean;
}

const SKIP_MARK = "<!-- docs-test: skip -->";

/** Every fenced block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let section = "";
  let lastText = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence === null) {
      if (line.trim() !== "") lastText = line.trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    blocks.push({
      lang: fence[1] ?? "",
      code: body.join("\n"),
      line: start + 1,
      section,
      skip: lastText === SKIP_MARK,
    });
    lastText = "";
  }
  return blocks;
}

/**
 * The commands of a shell block, one per entry: `\` continuations joined, comments and blank lines
 * dropped. Enough for the README's blocks, which use no quoting tricks around `#`.
 */
export function shellCommands(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** Splits a command line into words, honouring single and double quotes (no escapes inside). */
export function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}
