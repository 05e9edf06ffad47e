import { addressAt, contains, parseCidr } from "../addressing";
import type { LabConfig, SshHost } from "./types";
import { DEFAULTS } from "./defaults";
import { ETCD_NODE, RESERVED_ETCD } from "./reserved";
import type { CrossCheck } from "./check";

/** lab-vm.sh makes the lab's bridge for prefixes /8 to /29 only. */
export const QEMU_UNDERLAY_PREFIXES = { min: 8, max: 29 } as const;

/** The Calico nodes' hosts of the ssh substrate: every host but the etcd host, in the order given. */
export function sshCalicoHosts(config: Pick<LabConfig, "ssh">): SshHost[] {
  return config.ssh.hosts.filter((host) => host.name !== config.ssh.etcdHost);
}

/** Checks of the kubernetes substrate; each passes when it is not the one asked for. */
const KUBERNETES_CHECKS: readonly CrossCheck[] = [
  {
    reads: ["substrate", "imageMode"],
    run: (config, report) => {
      if (config.substrate === "kubernetes" && config.imageMode === "online") {
        report(
          "imageMode",
          config.imageMode,
          "the kubernetes substrate's Pods run the offline images (the node image makes the lab network with ip and bridge, the tcpdump image serves lab:capture), which the cluster gets from its nodes or kubernetes.imageRegistry; allowed are offline and auto (offline on kubernetes)",
        );
      }
    },
  },
  {
    reads: ["substrate", "underlay.internal"],
    run: (config, report) => {
      if (config.substrate === "kubernetes" && !config.underlay.internal) {
        report(
          "underlay.internal",
          config.underlay.internal,
          "the kubernetes substrate's lab network is a VXLAN overlay between the lab's Pods, with no route out of it; allowed is true",
        );
      }
    },
  },
  {
    reads: ["substrate", "kubernetes"],
    run: (config, report) => {
      if (config.substrate === "kubernetes") return;
      const unset = DEFAULTS.kubernetes;
      const asked = Object.entries(unset).filter(([key, value]) => config.kubernetes[key as keyof typeof unset] !== value);
      if (asked.length > 0) {
        report(
          "kubernetes",
          config.kubernetes,
          `kubernetes.${asked.map(([key]) => key).join(", kubernetes.")} ${asked.length > 1 ? "are settings" : "is a setting"} of the kubernetes substrate, not ${config.substrate}; leave ${asked.length > 1 ? "them" : "it"} empty`,
        );
      }
    },
  },
];

/** Checks of the qemu, ssh and kubernetes substrates; each passes when its substrate is not the one asked for. */
export const SUBSTRATE_CHECKS: readonly CrossCheck[] = [
  ...KUBERNETES_CHECKS,
  {
    reads: ["substrate", "imageMode"],
    run: (config, report) => {
      if (config.substrate === "qemu" && config.imageMode === "online") {
        report(
          "imageMode",
          config.imageMode,
          "the qemu substrate's VMs reach no registry: their base image holds the offline images (npm run offline:vm-image); allowed are offline and auto (offline on qemu)",
        );
      }
    },
  },
  {
    reads: ["substrate", "underlay"],
    run: (config, report) => {
      if (config.substrate !== "qemu") return;
      const underlay = parseCidr(config.underlay.cidr);
      const { min, max } = QEMU_UNDERLAY_PREFIXES;
      if (underlay?.version === 4 && (underlay.prefixLength < min || underlay.prefixLength > max)) {
        report("underlay.cidr", config.underlay.cidr, `the qemu substrate's lab bridge takes an IPv4 network from /${min} to /${max}`);
      }
      if (!config.underlay.internal) {
        report(
          "underlay.internal",
          config.underlay.internal,
          "the qemu substrate's lab network is a bridge inside the lab's own network namespace, which has no route out; allowed is true",
        );
      }
    },
  },
  {
    reads: ["substrate", "ssh", "underlay.cidr"],
    run: (config, report) => {
      if (config.substrate === "ssh") checkSshHosts(config, report);
      else if (config.ssh.hosts.length > 0 || config.ssh.etcdHost !== "") {
        report(
          "ssh",
          config.ssh,
          `ssh.hosts and ssh.etcdHost are settings of the ssh substrate, not ${config.substrate}; leave them empty`,
        );
      }
    },
  },
  {
    reads: ["substrate", "ssh", "calico.nodes", "calico.names"],
    run: (config, report) => {
      const names = config.ssh.hosts.map((h) => h.name);
      // Only once the hosts name one etcd host and each other host once (else ssh.hosts is reported).
      if (config.substrate !== "ssh" || !names.includes(config.ssh.etcdHost) || new Set(names).size !== names.length) return;
      const calico = sshCalicoHosts(config);
      if (calico.length > 0 && config.calico.nodes !== calico.length) {
        report(
          "calico.nodes",
          config.calico.nodes,
          `on the ssh substrate the Calico nodes are the ssh.hosts other than ssh.etcdHost (${calico.map((h) => h.name).join(", ")}); allowed is ${calico.length}`,
        );
      }
      if (config.calico.names.length > 0) {
        report(
          "calico.names",
          config.calico.names,
          "on the ssh substrate the Calico nodes are named after their ssh.hosts entries; allowed is []",
        );
      }
    },
  },
];

function checkSshHosts(config: LabConfig, report: Parameters<CrossCheck["run"]>[1]): void {
  const { hosts, etcdHost } = config.ssh;
  if (hosts.length === 0) {
    report(
      "ssh.hosts",
      hosts,
      "the ssh substrate needs its hosts: a list of {name, address, user, port, privateKey}, one for etcd (ssh.etcdHost) and one per Calico node",
    );
    return;
  }
  const underlay = parseCidr(config.underlay.cidr);
  // A host called etcd that is not the etcd host is refused only once ssh.etcdHost names a host.
  const etcdKnown = hosts.some((h) => h.name === etcdHost);
  const names = new Set<string>();
  const addresses = new Map<string, string>();
  hosts.forEach((host, i) => {
    if (names.has(host.name)) report(`ssh.hosts[${i}].name`, host.name, "host names must be unique");
    if (host.name === ETCD_NODE && host.name !== etcdHost && etcdKnown)
      report(`ssh.hosts[${i}].name`, host.name, `${RESERVED_ETCD}, or make it ssh.etcdHost`);
    names.add(host.name);
    if (underlay?.version === 4) {
      const network = addressAt(underlay, 0);
      const broadcast = addressAt(underlay, Number(underlay.last - underlay.first));
      if (!contains(underlay, host.address) || host.address === network || host.address === broadcast) {
        report(
          `ssh.hosts[${i}].address`,
          host.address,
          `allowed is a host address inside underlay.cidr ${underlay.cidr} (the network the hosts share), not its network or broadcast address`,
        );
      }
    }
    // Only the etcd host may share a machine with a Calico node (etcd then runs beside calico-node).
    const owner = addresses.get(host.address);
    if (owner !== undefined && owner !== etcdHost && host.name !== etcdHost) {
      report(
        `ssh.hosts[${i}].address`,
        host.address,
        `${owner} has this address already; Calico nodes need an address each (only ssh.etcdHost may share one, to run etcd beside calico-node)`,
      );
    }
    if (owner === undefined || host.name !== etcdHost) addresses.set(host.address, host.name);
  });
  if (!hosts.some((h) => h.name === etcdHost)) {
    report(
      "ssh.etcdHost",
      etcdHost,
      `allowed is the name of the host in ssh.hosts that runs etcd: one of ${hosts.map((h) => h.name).join(", ")}`,
    );
    return;
  }
  if (sshCalicoHosts(config).length === 0) {
    report(
      "ssh.hosts",
      hosts.map((h) => h.name),
      `every host but ssh.etcdHost (${etcdHost}) is a Calico node: allowed is a list with at least one more host`,
    );
  }
}
