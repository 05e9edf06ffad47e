import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { valueOf } from "./harness";
import { mockPackageLab } from "./package-mocks";

// The package's CalicoLab makes the lab from its inputs on this machine: here one without an offline build, so
// `auto` is online, as in the recorded bird-on-docker lab it must equal.
mockPackageLab("192.168.252");

async function urnsOf(make: (capture: pulumi.ResourceTransformation) => pulumi.ComponentResource): Promise<string[]> {
  const urns: Promise<string>[] = [];
  const capture: pulumi.ResourceTransformation = (args) => {
    urns.push(new Promise((resolve) => setImmediate(() => resolve(valueOf(args.resource.urn)))));
    return undefined;
  };
  const lab = make(capture);
  await valueOf(lab.urn);
  return (await Promise.all(urns)).sort();
}

describe("the calicolab package's CalicoLab", () => {
  it("makes the same lab as the program's stack with the same settings (bird on docker, defaults)", async () => {
    const { CalicoLab } = await import("../../package/calico-lab");
    let lab: InstanceType<typeof CalicoLab> | undefined;
    // The defaults but the underlay: the machine check refuses one that a live lab on this machine holds (the default's).
    const args = { underlay: { cidr: "192.168.252.0/24" } };
    const urns = await urnsOf((capture) => (lab = new CalicoLab("lab", args, { transformations: [capture] })));
    const recorded = readFileSync(join(__dirname, "urns", "bird-docker.urns.txt"), "utf8")
      .trim()
      .split("\n");
    expect(urns).toEqual(recorded);
    const nodes = await valueOf(lab!.nodes);
    expect(nodes.map((node) => [node.name, node.underlayIp, node.calico.source])).toEqual([
      ["calico1", "192.168.252.5", "release"],
      ["calico2", "192.168.252.6", "release"],
    ]);
    expect(await valueOf(lab!.scenario)).toBe("bird");
    expect((await valueOf(lab!.bgpTopology)).matches).toBe(true);
    expect(lab!.kubeconfig).toBeUndefined();
  });

  it("refuses a bad setting before anything is made, naming the setting, the value and what is allowed", async () => {
    const { CalicoLab } = await import("../../package/calico-lab");
    const made: string[] = [];
    const capture: pulumi.ResourceTransformation = (args) => {
      made.push(args.name);
      return undefined;
    };
    expect(() => new CalicoLab("bad", { bgp: { mode: "full" } }, { transformations: [capture] })).toThrow(
      /calico-lab:bgp\.mode = "full": allowed values are mesh, routeReflectors/,
    );
    expect(() => new CalicoLab("Bad_Name", {}, { transformations: [capture] })).toThrow(
      /CalicoLab name \(labName not given\) "Bad_Name": allowed is a lowercase DNS label/,
    );
    expect(() => new CalicoLab("fine", { labName: "x".repeat(41) }, { transformations: [capture] })).toThrow(
      /^labName "x{41}": allowed is/,
    );
    expect(made).toEqual([]);
  });
});
