import * as pulumi from "@pulumi/pulumi";
import type { CalicoOutput, EtcdOutput, StackOutputs } from "../components/lab/outputs";
import type { StackOutputValues } from "../components/lab/stack-outputs";
import type { CalicoInfo, EtcdInfo, NodeInfo } from "./outputs";

/** The same value with every readonly taken off: what the package's interfaces declare, so TypeScript checks the match. */
export type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;

/** A contract value as the package declares it: the outputs are plain data, so nothing is copied. */
export function plain<T>(value: T): Plain<T> {
  return value as Plain<T>;
}

/** Drops the fields the contract sets to null: the package's schema has optional fields, not nullable ones. */
function withoutNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

export function etcdInfo(etcd: EtcdOutput): EtcdInfo {
  return plain(withoutNulls(etcd));
}

export function calicoInfo(calico: CalicoOutput): CalicoInfo {
  return withoutNulls(calico);
}

export function nodeInfo(node: StackOutputs["nodes"][number]): NodeInfo {
  return { ...plain(withoutNulls(node)), calico: calicoInfo(node.calico) };
}

/** The stack outputs contract as the package reports it: every output the program exports, in the package's types. */
export function packageOutputs(outputs: StackOutputValues) {
  return {
    ...outputs,
    scenario: pulumi.output(outputs.scenario),
    imageMode: pulumi.output(outputs.imageMode),
    etcd: outputs.etcd.apply(etcdInfo),
    calico: pulumi.output(calicoInfo(outputs.calico)),
    nodes: outputs.nodes.apply((nodes) => nodes.map(nodeInfo)),
    ipPools: outputs.ipPools.apply(plain),
    bgpTopology: outputs.bgpTopology.apply(plain),
  };
}
