import type { CalicoOutput, EtcdOutput, LabNodeOutput } from "../components/lab/outputs";
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

export function nodeInfo(node: LabNodeOutput, calico: CalicoOutput): NodeInfo {
  return { ...plain(withoutNulls(node)), calico: calicoInfo(calico) };
}
