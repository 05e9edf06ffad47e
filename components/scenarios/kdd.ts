import * as pulumi from "@pulumi/pulumi";
import { workloadMtu } from "../../core/mtu";
import { waitUntilScript } from "../../core/node-scripts";
import { CALICO_NODE_READINESS, etcdEndpoint, etcdRuntime } from "../../core/scenarios/bird";
import {
  applyCrdsScript,
  calicoNodeKddRuntime,
  createNodeStatusesScript,
  createNodesScript,
  createPodScript,
  deleteNodeStatusesScript,
  deleteNodesScript,
  deletePodScript,
  enableBird6Script,
  KDD_NAMESPACE,
  KDD_NODE_KUBECONFIG,
  kubeApiserverRuntime,
  readKubeconfigScript,
  renderKddCniConflist,
  writeNodeKubeconfigScript,
} from "../../core/scenarios/kdd";
import { nodeNames } from "../../core/config/validate";
import { nodeStep } from "../lab/node-step";
import type { Scenario, ScenarioContext } from "./scenario";

function apiserverImage(context: ScenarioContext): string {
  const image = context.images.apiserver;
  if (!image)
    throw new pulumi.RunError("scenario kdd outside kind needs the kube-apiserver image of the offline build (imageMode offline)");
  return image;
}

/**
 * kdd: the Kubernetes datastore without Kubernetes' machinery. A bare kube-apiserver over etcd, Calico's
 * CRDs and a Node object per Calico node made by the lab, calico-node with DATASTORE_TYPE=kubernetes, and
 * pods (bound to their node, never run) that the calico CNI plugin wires up without any kubelet, as
 * Calico's own CNI tests do.
 */
export const kddScenario: Scenario = {
  networkProfile: false,
  reflectorsInDatastore: true,
  datastoreRuntimes: (context) => [
    etcdRuntime({ name: `${context.lab}-etcd`, image: context.images.etcd, address: context.plan.etcd }),
    kubeApiserverRuntime({
      name: `${context.lab}-apiserver`,
      image: apiserverImage(context),
      address: context.plan.apiserver,
      etcdEndpoints: etcdEndpoint(context.plan.etcd),
    }),
  ],
  calicoRuntime: ({ config, images }, nodeName, address) =>
    calicoNodeKddRuntime({ nodeName, image: images.node, address, asNumber: config.bgp.asNumber, logLevel: config.calico.logLevel }),
  datastoreEnv: () => ({ DATASTORE_TYPE: "kubernetes", KUBECONFIG: KDD_NODE_KUBECONFIG }),
  conflist: ({ config }) => renderKddCniConflist({ ...config.cni, mtu: workloadMtu(config.cni.mtu, config.ipPools) }),
  prepare(context, datastore, parent) {
    const apiserver = datastore[1];
    if (!apiserver) throw new Error("kdd: the kube-apiserver node was not made");
    const { lab, config } = context;
    const names = nodeNames(config);
    const reflectors = config.bgp.mode === "routeReflectors" ? new Set(config.bgp.routeReflectors) : new Set<string>();
    const crds = nodeStep(`${lab}-crds`, apiserver, { create: applyCrdsScript() }, { parent, dependsOn: [apiserver.resource] });
    // calico-node exits at startup when its Node object is missing: the Nodes exist before the Calico nodes.
    const nodes = nodeStep(
      `${lab}-k8s-nodes`,
      apiserver,
      {
        create: createNodesScript(
          names.map((name) => ({ name, ...(reflectors.has(name) ? { routeReflectorClusterId: config.bgp.routeReflectorClusterId } : {}) })),
        ),
        delete: deleteNodesScript(names),
        deleteWhat: "kubectl delete node",
      },
      { parent, dependsOn: [crds] },
    );
    // calico-node's status reporter fills each in once it runs; nothing waits for them.
    nodeStep(
      `${lab}-node-statuses`,
      apiserver,
      { create: createNodeStatusesScript(names), delete: deleteNodeStatusesScript(names), deleteWhat: "kubectl delete caliconodestatus" },
      { parent, dependsOn: [crds] },
    );
    // The admin kubeconfig holds a private key: a secret in the state, written only into the lab's nodes.
    const kubeconfig = nodeStep(
      `${lab}-kubeconfig`,
      apiserver,
      { create: readKubeconfigScript() },
      { parent, dependsOn: [apiserver.resource], additionalSecretOutputs: ["stdout"] },
    );
    return {
      ready: [crds, nodes, kubeconfig],
      kubeconfig: pulumi.secret(kubeconfig.stdout),
      // calico-node starts once its kubeconfig is there; its startup (nodename, BIRD) must be done before
      // anything uses the node: the CNI plugin reads /var/lib/calico/nodename.
      nodeSetup: pulumi
        .secret(kubeconfig.stdout)
        .apply(
          (text) =>
            `${writeNodeKubeconfigScript(text)}\n${waitUntilScript(CALICO_NODE_READINESS, 180, "calico-node's startup (BIRD answering)")}\n${enableBird6Script()}`,
        ),
      workloadObject: ({ node, name }) => {
        const pod = { name, nodeName: node };
        return {
          target: apiserver,
          create: createPodScript(pod),
          delete: deletePodScript(pod),
          pod: { namespace: KDD_NAMESPACE, name },
        };
      },
    };
  },
};
