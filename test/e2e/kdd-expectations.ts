/** What the e2e tests expect of a live kdd lab (Kubernetes datastore), whichever substrate its nodes live on. */
import type { UpResult } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import type { LabNodeOutput, StackOutputs } from "../../components/lab/outputs";
import { compareTopology, comparisonProblems } from "../../core/observed";
import { observeFromCalicoNodeStatus } from "../../core/substrates/kind/observed";
import { sessionCountOf } from "../../core/topology";

/** What the kdd suites read of the stack's outputs (StackOutputs, the one contract). */
export type KddOutputs = Pick<StackOutputs, "bgpTopology" | "cniConfig"> & { nodes: LabNodeOutput[]; kubeconfig: string };
export const kddOutputsOf = (result: UpResult) =>
  Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) as unknown as KddOutputs;

/** The number of sessions each node should have Established, from the expected topology. */
export const sessionsOf = (outputs: KddOutputs, node: string) => sessionCountOf(outputs.bgpTopology.expected, node);

/**
 * The sessions as calico-node reports them in the CalicoNodeStatus objects the lab made (one per node): they
 * are refreshed every 10 s, so the reading is retried for up to a minute until it matches the expected topology.
 */
export async function expectNodeStatusesMatch(
  outputs: KddOutputs,
  kubectl: (...args: string[]) => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let problems: string[] = ["not read yet"];
  let list = "";
  while (Date.now() < deadline) {
    list = await kubectl("get", "caliconodestatuses.crd.projectcalico.org", "-o", "json");
    const observed = observeFromCalicoNodeStatus(outputs.bgpTopology.expected, list);
    problems = [...comparisonProblems(compareTopology(outputs.bgpTopology.expected, observed)), ...Object.values(observed.errors)];
    if (problems.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const summary = () =>
    (JSON.parse(list || "{}") as { items?: Array<{ spec?: { node?: string }; status?: unknown }> }).items
      ?.map((i) => `${i.spec?.node}: ${JSON.stringify(i.status ?? null)}`)
      .join("; ");
  expect(problems, `CalicoNodeStatus against the expected sessions; last read: ${summary()}`).toEqual([]);
  const items = (JSON.parse(list) as { items: Array<{ spec: { node: string }; status: { bgp: { numberEstablishedV4: number } } }> }).items;
  for (const node of outputs.nodes) {
    expect(items.find((i) => i.spec.node === node.name)?.status.bgp.numberEstablishedV4, `${node.name}'s CalicoNodeStatus`).toBe(
      sessionsOf(outputs, node.name),
    );
  }
}
