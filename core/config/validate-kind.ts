import { overlaps, parseCidr } from "../addressing";
import { minorOf, VPP_RELEASES, vppReleaseFor } from "../vpp-releases";
import versions from "../../versions.json";
import type { CrossCheck } from "./check";

/** VPP drivers that work on a kind node's uplink (a veth into kind's Docker network). */
export const KIND_VPP_DRIVERS = ["af_packet", "af_xdp"] as const;

/** Checks for the scenarios on kind (kdd, calico-vpp); each passes for bird. */
export const KIND_CHECKS: readonly CrossCheck[] = [
  {
    reads: ["scenario", "substrate", "imageMode", "vpp.version"],
    run: (config, report) => {
      const built = versions.calicoVpp.version;
      if (
        config.substrate === "kind" &&
        config.scenario === "calico-vpp" &&
        config.imageMode === "offline" &&
        config.vpp.version !== built
      ) {
        report(
          "vpp.version",
          config.vpp.version,
          `scenario calico-vpp on kind offline runs the offline build's Calico/VPP (build.sh --calico-vpp): allowed is ${built}`,
        );
      }
    },
  },
  {
    reads: ["scenario", "substrate", "bgp.mode"],
    run: (config, report) => {
      if (config.substrate === "kind" && config.scenario === "calico-vpp" && config.bgp.mode !== "mesh") {
        report(
          "bgp.mode",
          config.bgp.mode,
          "scenario calico-vpp on kind peers the calico-vpp agents' BGP in a node-to-node mesh; allowed is mesh",
        );
      }
    },
  },
  {
    reads: ["scenario", "substrate", "kind.serviceSubnet"],
    run: (config, report) => {
      const service = parseCidr(config.kind.serviceSubnet);
      if (config.substrate === "kind" && service && service.version !== 4) {
        report(
          "kind.serviceSubnet",
          config.kind.serviceSubnet,
          "the kind cluster is IPv4: allowed is an IPv4 network such as 10.96.0.0/12",
        );
      }
    },
  },
  {
    reads: ["scenario", "substrate", "ipPools"],
    run: (config, report) => {
      const first = config.ipPools[0];
      const firstNetwork = first ? parseCidr(first.cidr) : undefined;
      if (config.substrate === "kind" && first && firstNetwork && firstNetwork.version !== 4) {
        report(
          "ipPools[0].cidr",
          first.cidr,
          "the first pool is the kind cluster's podSubnet, and the cluster is IPv4: allowed is an IPv4 network",
        );
      }
    },
  },
  {
    reads: ["scenario", "substrate", "ipPools", "kind.serviceSubnet"],
    run: (config, report) => {
      if (config.substrate !== "kind") return;
      const service = parseCidr(config.kind.serviceSubnet);
      config.ipPools.forEach((pool, index) => {
        const network = parseCidr(pool.cidr);
        if (network && service && overlaps(network, service)) {
          report(
            `ipPools[${index}].cidr`,
            pool.cidr,
            `overlaps kind.serviceSubnet ${config.kind.serviceSubnet}; choose a range outside it`,
          );
        }
      });
    },
  },
  {
    reads: ["scenario", "substrate", "vpp.version", "artifacts.versions.calico"],
    run: (config, report) => {
      if (config.scenario !== "calico-vpp") return;
      const calico = config.artifacts.versions.calico;
      const wanted = vppReleaseFor(calico);
      if (minorOf(config.vpp.version) !== minorOf(calico)) {
        report(
          "vpp.version",
          config.vpp.version,
          wanted
            ? `Calico VPP must match the Calico release (artifacts.versions.calico ${calico}): allowed is ${wanted}`
            : `Calico VPP must match the Calico release (artifacts.versions.calico ${calico}), and no Calico VPP release is known for it; known: ${Object.values(VPP_RELEASES).join(", ")}`,
        );
      }
    },
  },
  {
    reads: ["scenario", "substrate", "vpp.driver"],
    run: (config, report) => {
      if (config.scenario === "calico-vpp" && !(KIND_VPP_DRIVERS as readonly string[]).includes(config.vpp.driver)) {
        report(
          "vpp.driver",
          config.vpp.driver,
          `a kind node's uplink is a veth: allowed values on kind are ${KIND_VPP_DRIVERS.join(", ")}`,
        );
      }
    },
  },
];
