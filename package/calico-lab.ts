import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { labPlatformFor, type LabModules } from "../components/lab/lab-platform";
import type { Machine } from "../components/lab/machine";
import { labOutputs } from "../components/lab/phases/outputs";
import { resolveOnMachine } from "../components/lab/resolve";
import { checkedLabConfig } from "../components/lab/settings";
import { stackOutputs } from "../components/lab/stack-outputs";
import { birdScenario } from "../components/scenarios/bird";
import { kddScenario } from "../components/scenarios/kdd";
import type { Scenario } from "../components/scenarios/scenario";
import { vppForwardingScenario } from "../components/scenarios/vpp-forwarding";
import { kindPlatform } from "../components/substrates/kind/kind-platform";
import { runKindPreflight } from "../components/substrates/kind/preflight";
import { defaultCacheDir } from "../core/config/keys";
import type { LabConfig } from "../core/config/types";
import type { CalicoLabArgs } from "./args";
import { packageOutputs } from "./expose";
import type { BgpTopologyInfo, CalicoInfo, CniConfigInfo, EtcdInfo, IpPoolsInfo, NodeInfo } from "./outputs";

/** The node platform's scenarios, loaded with the package: a package's process serves whichever lab it is asked for. */
export const PACKAGE_SCENARIOS: Readonly<Record<string, Scenario>> = {
  bird: birdScenario,
  kdd: kddScenario,
  "vpp-forwarding": vppForwardingScenario,
};

/** What names the lab's containers, networks and VMs: a lowercase DNS label with room for the nodes' suffixes. */
const LAB_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** The lab's name: `labName`, or the resource's; refused unless it can name containers, networks and VMs. */
function labNameOf(name: string, args: CalicoLabArgs): string {
  const lab = args.labName ?? name;
  if (!LAB_NAME.test(lab)) {
    const what = args.labName === undefined ? "CalicoLab name (labName not given)" : "labName";
    throw new pulumi.RunError(
      `${what} ${JSON.stringify(lab)}: allowed is a lowercase DNS label of at most 40 characters (a-z, 0-9, -): it names the lab's containers, networks and VMs`,
    );
  }
  return lab;
}

/** The settings as a stack's are checked: the same messages, naming the setting, the value and what is allowed. */
function checkedSettings(args: CalicoLabArgs): LabConfig {
  const settings: Record<string, unknown> = { ...args };
  delete settings.labName;
  return checkedLabConfig(settings);
}

function modulesFor(config: LabConfig): LabModules {
  if (config.substrate === "kind") return { kind: { kindPlatform, runKindPreflight } };
  const scenario = PACKAGE_SCENARIOS[config.scenario];
  return scenario ? { scenario } : {};
}

/**
 * A Calico lab as a package's component: the same lab `pulumi up` of this repository makes from a stack's
 * settings, made from this resource's inputs inside any Pulumi program (Pulumi YAML, TypeScript, any language with
 * the package's SDK). `labName`, or else its name, names the lab. The outputs are the stack outputs contract (docs/outputs.md).
 */
export class CalicoLab extends pulumi.ComponentResource {
  /** What Calico runs: bird, kdd, vpp-forwarding or calico-vpp. */
  public readonly scenario: pulumi.Output<string>;
  /** online or offline, as resolved on this machine. */
  public readonly imageMode: pulumi.Output<string>;
  /** The datastore: the lab's etcd, or the cluster's own. */
  public readonly etcd: pulumi.Output<EtcdInfo>;
  /** Which Calico the nodes run. */
  public readonly calico: pulumi.Output<CalicoInfo>;
  /** The Calico nodes, with their blocks and workloads, read live. */
  public readonly nodes: pulumi.Output<NodeInfo[]>;
  public readonly ipPools: pulumi.Output<IpPoolsInfo>;
  public readonly cniConfig: pulumi.Output<CniConfigInfo>;
  /** The live BGP topology against what the settings expect. */
  public readonly bgpTopology: pulumi.Output<BgpTopologyInfo>;
  /** The lab drawn in Graphviz's DOT language. */
  public readonly diagram: pulumi.Output<string>;
  /** kdd and kind: the admin kubeconfig of the lab's Kubernetes API, a secret. */
  public readonly kubeconfig?: pulumi.Output<string>;

  constructor(name: string, args: CalicoLabArgs, opts?: pulumi.ComponentResourceOptions) {
    const lab = labNameOf(name, args);
    const loaded = checkedSettings(args);
    super("calicolab:index:CalicoLab", name, {}, opts);
    const machine: Machine = { cacheDir: defaultCacheDir(process.env, homedir()), home: homedir(), labName: lab };
    const { config, manifestPath, calico } = resolveOnMachine(loaded, machine);
    const place = { lab, stack: pulumi.getStack(), machine, manifestPath };
    const outputs = packageOutputs(
      stackOutputs(config, labOutputs(labPlatformFor(config, place, modulesFor(config))({ lab, parent: this })), calico),
    );
    this.scenario = outputs.scenario;
    this.imageMode = outputs.imageMode;
    this.etcd = outputs.etcd;
    this.calico = outputs.calico;
    this.nodes = outputs.nodes;
    this.ipPools = outputs.ipPools;
    this.cniConfig = outputs.cniConfig;
    this.bgpTopology = outputs.bgpTopology;
    this.diagram = outputs.diagram;
    if (outputs.kubeconfig) this.kubeconfig = outputs.kubeconfig;
    this.registerOutputs(outputs);
  }
}
