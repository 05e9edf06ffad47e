import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { underlayMtuFor, workloadMtu } from "../../core/mtu";
import { waitUntilScript } from "../../core/node-scripts";
import { CALICO_NODE_READINESS, etcdEndpoint, etcdRuntime } from "../../core/scenarios/bird";
import {
  APISERVER_PORT,
  apiserverUrl,
  calicoCrdFiles,
  calicoNodeKddRuntime,
  enableBird6Script,
  kddBgpObjects,
  kddIpPoolObjects,
  kddNodeObjects,
  kddNodeStatusObjects,
  kddPodObject,
  KDD_NAMESPACE,
  KDD_NODE_KUBECONFIG,
  kubeApiserverRuntime,
  kubeconfigWithServer,
  readKubeconfigScript,
  renderKddCniConflist,
  writeNodeKubeconfigScript,
} from "../../core/scenarios/kdd";
import { parseManifest, type KubeObject } from "../../core/substrates/kind/render";
import { nodeNames } from "../../core/config/validate";
import { goesWithNode, nodeStep } from "../lab/node-step";
import type { Scenario, ScenarioContext } from "./scenario";

/**
 * A parsed document as a typed resource's args: the templates render the API's own documents (schema-checked
 * in test/unit/kdd.test.ts), which the SDK's types spell with literal apiVersion and kind.
 */
function asArgs<T>(object: KubeObject): T {
  return object as unknown as T;
}

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
  nodesRegisterThemselves: false,
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
  conflist: ({ config }) =>
    renderKddCniConflist({ ...config.cni, mtu: workloadMtu(config.cni.mtu, config.ipPools, underlayMtuFor(config.substrate)) }),
  prepare(context, datastore, parent, reach) {
    const [etcd, apiserver] = datastore;
    if (!etcd || !apiserver) throw new Error("kdd: the etcd and kube-apiserver nodes were not made");
    const { lab, config } = context;
    const names = nodeNames(config);
    const reflectors = config.bgp.mode === "routeReflectors" ? new Set(config.bgp.routeReflectors) : new Set<string>();
    // The admin kubeconfig holds a private key: a secret in the state, written only into the lab's nodes.
    const kubeconfig = nodeStep(
      `${lab}-kubeconfig`,
      apiserver,
      { create: readKubeconfigScript() },
      { parent, dependsOn: [apiserver.resource], additionalSecretOutputs: ["stdout"] },
    );
    const secretKubeconfig = pulumi.secret(kubeconfig.stdout);
    // The machine running Pulumi reaches the apiserver where the substrate says: at its lab address (a Docker
    // network it has a leg in), or through a forwarder on 127.0.0.1 (VMs in the lab's namespace). The nodes'
    // kubeconfig keeps the lab address.
    const api = reach(apiserver, APISERVER_PORT);
    const providerKubeconfig = secretKubeconfig.apply((text) => kubeconfigWithServer(text, apiserverUrl(api.host, api.port)));
    const provider = new k8s.Provider(
      `${lab}-kubernetes`,
      { kubeconfig: providerKubeconfig },
      { parent, dependsOn: [kubeconfig, ...api.after] },
    );
    // Every object lives in etcd: when etcd goes (destroy), their deletes are skipped; alone, each deletes itself.
    const inDatastore = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
      parent,
      provider,
      dependsOn,
      ...goesWithNode(etcd),
    });
    const crdFiles = calicoCrdFiles(
      JSON.parse(readFileSync(context.manifestPath, "utf8")) as unknown,
      context.manifestPath,
      config.artifacts.versions.calico,
    );
    const crds = crdFiles.files.flatMap((file) =>
      parseManifest(readFileSync(join(crdFiles.dir, file), "utf8")).map(
        (crd) => new k8s.apiextensions.v1.CustomResourceDefinition(`${lab}-crd-${crd.metadata.name}`, asArgs(crd), inDatastore([])),
      ),
    );
    // calico-node exits at startup when its Node object is missing: the Nodes exist before the Calico nodes.
    const nodes = kddNodeObjects(
      names.map((name) => ({ name, ...(reflectors.has(name) ? { routeReflectorClusterId: config.bgp.routeReflectorClusterId } : {}) })),
    ).map((node) => new k8s.core.v1.Node(`${lab}-k8s-node-${node.metadata.name}`, asArgs(node), inDatastore([])));
    // calico-node's status reporter fills each in once it runs; nothing waits for them.
    for (const status of kddNodeStatusObjects(names)) {
      new k8s.apiextensions.CustomResource(`${lab}-node-status-${status.metadata.name}`, status, inDatastore(crds));
    }
    // The BGP settings and the pools, instead of calicoctl in a Calico node: they wait for the CRDs only.
    const calicoObjects = (objects: KubeObject[], prefix: string) =>
      objects.map((object) => new k8s.apiextensions.CustomResource(`${lab}-${prefix}-${object.metadata.name}`, object, inDatastore(crds)));
    const bgp = calicoObjects(kddBgpObjects({ meshEnabled: config.bgp.mode === "mesh", asNumber: config.bgp.asNumber }), "bgp");
    const pools = calicoObjects(kddIpPoolObjects(config.ipPools), "ippool");
    return {
      ready: [...crds, ...nodes, kubeconfig],
      calicoResources: { bgp, pools },
      kubeconfig: secretKubeconfig,
      // calico-node starts once its kubeconfig is there; its startup (nodename, BIRD) must be done before
      // anything uses the node: the CNI plugin reads /var/lib/calico/nodename.
      nodeSetup: secretKubeconfig.apply(
        (text) =>
          `${writeNodeKubeconfigScript(text)}\n${waitUntilScript(CALICO_NODE_READINESS, 180, "calico-node's startup (BIRD answering)")}\n${enableBird6Script()}`,
      ),
      workloadObject: ({ node, name }) => {
        const pod = { namespace: KDD_NAMESPACE, name };
        return {
          make: (resourceName, opts) => {
            const made = new k8s.core.v1.Pod(
              resourceName,
              asArgs(kddPodObject({ ...pod, nodeName: node })),
              pulumi.mergeOptions(inDatastore([]), opts),
            );
            // A Pod deleted by hand comes back with the next up as another Pod (another uid), which the CNI plugin
            // has never annotated: its uid ties the wiring to it.
            return { resource: made, identity: made.metadata.uid };
          },
          pod,
        };
      },
    };
  },
};
