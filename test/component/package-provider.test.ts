import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { calicolabProvider, LAB_TYPE } from "../../package/component-provider";
import { valueOf } from "./harness";
import { mockPackageLab } from "./package-mocks";

// As in package-lab.test.ts, on an underlay of its own: the docker substrate's check refuses one that overlaps
// a live lab's network.
const UNDERLAY = { cidr: "192.168.251.0/24" };
mockPackageLab("192.168.251");

const root = join(__dirname, "..", "..");
const schemaText = readFileSync(join(root, "docs", "package-schema.json"), "utf8");
const schema = JSON.parse(schemaText) as { resources: Record<string, { properties: Record<string, unknown> }> };

describe("the calicolab package's provider", () => {
  const provider = calicolabProvider(schemaText);

  it("reports the kept schema, at the package's version", async () => {
    expect(await provider.getSchema?.()).toBe(schemaText);
    const packageJson = JSON.parse(readFileSync(join(root, "package", "package.json"), "utf8")) as { version: string };
    expect(provider.version).toBe(packageJson.version);
  });

  it("constructs CalicoLab, its state the schema's outputs", async () => {
    const result = await provider.construct!("lab", LAB_TYPE, { underlay: UNDERLAY }, {});
    expect(await valueOf(pulumi.output(result.urn))).toMatch(/::calicolab:index:CalicoLab::lab$/);
    expect(Object.keys(result.state).sort()).toEqual(Object.keys(schema.resources[LAB_TYPE]?.properties ?? {}).sort());
    const nodes = await valueOf(result.state.nodes as pulumi.Output<{ name: string; underlayIp: string }[]>);
    expect(nodes.map((node) => [node.name, node.underlayIp])).toEqual([
      ["calico1", "192.168.251.5"],
      ["calico2", "192.168.251.6"],
    ]);
    expect(result.state.kubeconfig).toBeUndefined();
  });

  it("refuses a bad setting with the stack's message, and a type it does not serve", async () => {
    await expect(provider.construct!("bad", LAB_TYPE, { bgp: { mode: "full" }, underlay: UNDERLAY }, {})).rejects.toThrow(
      /calico-lab:bgp\.mode = "full": allowed values are mesh, routeReflectors/,
    );
    await expect(provider.construct!("other", "calicolab:index:Other", {}, {})).rejects.toThrow(
      /unknown resource type calicolab:index:Other/,
    );
  });
});
