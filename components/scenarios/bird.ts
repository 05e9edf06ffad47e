import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../core/config/types";
import { underlayMtuFor, workloadMtu } from "../../core/mtu";
import { waitUntilScript } from "../../core/node-scripts";
import { certificateFacts, pemBlocks } from "../../core/pki";
import { renderCniConflist } from "../../core/render";
import { calicoNodeReadySeconds } from "../../core/settle";
import { birdNodeRuntime, CALICO_NODE_READINESS, etcdDatastoreEnv, etcdEndpoint, etcdRuntime } from "../../core/scenarios/bird";
import {
  ETCD_CLIENT_FILES,
  parseEtcdClientBundle,
  readEtcdCertificatesScript,
  readEtcdClientBundleScript,
  writeEtcdClientBundleScript,
  type EtcdTlsSettings,
} from "../../core/scenarios/etcd-tls";
import { nodeStep } from "../lab/node-step";
import type { EtcdTlsOutput } from "../lab/outputs";
import type { Scenario, ScenarioContext } from "./scenario";

/** etcd.tls as the etcd node takes it; undefined for plain HTTP. */
function tlsOf(config: LabConfig): EtcdTlsSettings | undefined {
  return config.etcd.tls ? { days: config.etcd.certValidityDays, extraSans: config.etcd.extraSans } : undefined;
}

function endpointOf({ config, plan }: ScenarioContext): string {
  return etcdEndpoint(plan.etcd, config.etcd.tls);
}

/** The client certificate files every Calico node uses; false for plain HTTP. */
function clientFilesOf(config: LabConfig) {
  return config.etcd.tls ? ETCD_CLIENT_FILES : false;
}

/**
 * bird: the etcd datastore and calico-node with BIRD. With etcd.tls, etcd makes the lab's CA and
 * certificates when it starts, serves https only and requires client certificates; the Calico nodes' client
 * certificate and key are read out of the etcd node as a secret and written into each Calico node before
 * calico-node starts.
 */
export const birdScenario: Scenario = {
  networkProfile: true,
  reflectorsInDatastore: false,
  nodesRegisterThemselves: true,
  // calicoctl runs in etcd's node where its image runs scripts (the offline Debian image), else in the first Calico node.
  calicoctlInDatastore: ({ images }) => images.etcdRunsScripts,
  datastoreRuntimes: ({ lab, config, plan, images }) => {
    const tls = tlsOf(config);
    return [etcdRuntime({ name: `${lab}-etcd`, image: images.etcd, address: plan.etcd, ...(tls ? { tls } : {}) })];
  },
  calicoRuntime: (context, nodeName, address) =>
    birdNodeRuntime({
      nodeName,
      image: context.images.node,
      address,
      asNumber: context.config.bgp.asNumber,
      etcdEndpoints: endpointOf(context),
      logLevel: context.config.calico.logLevel,
      readyTimeoutSeconds: calicoNodeReadySeconds(context.config.calico.nodes),
      ...(context.config.etcd.tls ? { tls: ETCD_CLIENT_FILES } : {}),
    }),
  datastoreEnv: (context) => etcdDatastoreEnv(endpointOf(context), clientFilesOf(context.config) || undefined),
  conflist: (context) =>
    renderCniConflist(
      { ...context.config.cni, mtu: workloadMtu(context.config.cni.mtu, context.config.ipPools, underlayMtuFor(context.config.substrate)) },
      endpointOf(context),
      clientFilesOf(context.config),
    ),
  prepare(context, datastore, parent) {
    if (!context.config.etcd.tls) return { ready: [] };
    const etcd = datastore[0];
    if (!etcd) throw new Error("bird: the etcd node was not made");
    const { lab } = context;
    // Public: the CA and etcd's serving certificate, reported in the etcd output.
    const certificates = nodeStep(
      `${lab}-etcd-certificates`,
      etcd,
      { create: readEtcdCertificatesScript() },
      { parent, dependsOn: [etcd.resource] },
    );
    // The Calico nodes' client key: a secret in the state, written only into the lab's nodes.
    const client = nodeStep(
      `${lab}-etcd-client-bundle`,
      etcd,
      { create: readEtcdClientBundleScript() },
      { parent, dependsOn: [etcd.resource], additionalSecretOutputs: ["stdout"] },
    );
    const tls: pulumi.Output<EtcdTlsOutput> = certificates.stdout.apply((text) => {
      const [ca, server] = pemBlocks(text).filter((block) => block.type === "CERTIFICATE");
      if (!ca || !server) throw new Error(`${lab}: the etcd node printed no CA and serving certificate`);
      return { caCert: ca.pem, ca: certificateFacts(ca.pem), server: certificateFacts(server.pem), clientFiles: ETCD_CLIENT_FILES };
    });
    return {
      ready: [certificates, client],
      // calico-node starts once its client key is there; its startup (nodename, BIRD) must be done before
      // anything uses the node: the CNI plugin reads /var/lib/calico/nodename.
      nodeSetup: pulumi
        .secret(client.stdout)
        .apply(
          (text) =>
            `${writeEtcdClientBundleScript(parseEtcdClientBundle(text))}\n${waitUntilScript(CALICO_NODE_READINESS, 180, "calico-node's startup (BIRD answering)")}`,
        ),
      etcdTls: tls,
    };
  },
};
