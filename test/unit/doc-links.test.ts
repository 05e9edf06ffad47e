import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const docs = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code spans: what GitHub renders as links and headings. */
function prose(markdown: string): string {
  return markdown
    .split(/^```.*$[\s\S]*?^```\s*$/m)
    .join("\n")
    .replace(/`[^`\n]*`/g, "``");
}

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutFences = markdown.split(/^```.*$[\s\S]*?^```\s*$/m).join("\n");
  for (const [, title] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = title!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every inline link and image target in the prose: [text](target) and ![alt](target "title"). */
function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

describe("the documentation's links", () => {
  it("finds the README and the docs folder", () => {
    expect(docs).toContain("README.md");
    expect(docs).toContain("docs/settings.md");
  });

  it("reads anchors as GitHub makes them", () => {
    expect([...anchorsOf("# Airgapped / offline mode\n## Scenario: kdd on VMs (qemu)\n## `lab:graph` x\n## A\n## A\n")]).toEqual([
      "airgapped--offline-mode",
      "scenario-kdd-on-vms-qemu",
      "labgraph-x",
      "a",
      "a-1",
    ]);
  });

  for (const doc of docs) {
    it(`resolve in ${doc}: every relative file exists, every #anchor is a heading there`, () => {
      const text = readFileSync(join(root, doc), "utf8");
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: and the like: not ours to check here
        const [path, anchor] = link.split("#", 2) as [string, string | undefined];
        const target = path === "" ? join(root, doc) : join(root, dirname(doc), decodeURIComponent(path));
        if (!target.startsWith(root) || !existsSync(target)) {
          broken.push(`${link}: no file ${relative(root, target)}`);
          continue;
        }
        if (anchor !== undefined && statSync(target).isFile() && target.endsWith(".md")) {
          if (!anchorsOf(readFileSync(target, "utf8")).has(anchor))
            broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
