import { workloadMtu } from "../../core/mtu";
import { renderCniConflist } from "../../core/render";
import { birdNodeRuntime, etcdDatastoreEnv, etcdEndpoint, etcdRuntime } from "../../core/scenarios/bird";
import type { Scenario } from "./scenario";

/** bird: the etcd datastore and calico-node with BIRD. */
export const birdScenario: Scenario = {
  networkProfile: true,
  reflectorsInDatastore: false,
  calicoctlInDatastore: true,
  datastoreRuntimes: ({ lab, plan, images }) => [etcdRuntime({ name: `${lab}-etcd`, image: images.etcd, address: plan.etcd })],
  calicoRuntime: ({ config, plan, images }, nodeName, address) =>
    birdNodeRuntime({
      nodeName,
      image: images.node,
      address,
      asNumber: config.bgp.asNumber,
      etcdEndpoints: etcdEndpoint(plan.etcd),
      logLevel: config.calico.logLevel,
    }),
  datastoreEnv: ({ plan }) => etcdDatastoreEnv(etcdEndpoint(plan.etcd)),
  conflist: ({ config, plan }) =>
    renderCniConflist({ ...config.cni, mtu: workloadMtu(config.cni.mtu, config.ipPools) }, etcdEndpoint(plan.etcd)),
};
