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
  /**
   * Preceded by `<!-- docs-test: new-project -->`: commands run in a project `sqs-jobs init`
   * wrote, whose npm scripts are that project's, not this repository's.
   */
  readonly newProject: boolean;
}

const SKIP_MARK = "<!-- docs-test: skip -->";
const NEW_PROJECT_MARK = "<!-- docs-test: new-project -->";

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
      newProject: lastText === NEW_PROJECT_MARK,
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

/** A Markdown file's text outside its fenced blocks, where links and headings are. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, "");
}

/** The anchors GitHub gives the headings of `markdown`: lower case, punctuation dropped, spaces as `-`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const base = (m[1] ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The targets of the Markdown links and images of `markdown` (outside code blocks), in order. */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}
