import * as pulumi from "@pulumi/pulumi";
import { registeredOutputs, type LabOutputs } from "./outputs";
import { labOutputs } from "./phases/outputs";
import type { LabPlatform } from "./platform";

export interface CalicoLabArgs {
  /**
   * What the lab runs on: Calico nodes made from a scenario on a substrate (`nodePlatform`: docker, qemu, ssh),
   * or a Kubernetes cluster running Calico (`kindPlatform`). Plain: it decides which resources there are.
   */
  readonly platform: LabPlatform;
}

/**
 * A Calico lab, on any platform: its resources, and one outputs contract (the datastore, the nodes with their
 * blocks and workloads, the pools, the CNI configuration, the live BGP topology against what the settings
 * expect, a diagram) that the stack exports and the lab commands read back.
 */
export class CalicoLab extends pulumi.ComponentResource implements LabOutputs {
  public readonly etcd: LabOutputs["etcd"];
  public readonly nodes: LabOutputs["nodes"];
  public readonly ipPools: LabOutputs["ipPools"];
  public readonly cniConfig: LabOutputs["cniConfig"];
  public readonly bgpTopology: LabOutputs["bgpTopology"];
  public readonly diagram: LabOutputs["diagram"];
  public readonly kubeconfig: LabOutputs["kubeconfig"];

  constructor(name: string, args: CalicoLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("calicolab:index:CalicoLab", name, {}, opts);
    const outputs = labOutputs(args.platform({ lab: name, parent: this }));
    this.etcd = outputs.etcd;
    this.nodes = outputs.nodes;
    this.ipPools = outputs.ipPools;
    this.cniConfig = outputs.cniConfig;
    this.bgpTopology = outputs.bgpTopology;
    this.diagram = outputs.diagram;
    this.kubeconfig = outputs.kubeconfig;
    this.registerOutputs(registeredOutputs(outputs));
  }
}
