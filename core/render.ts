import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import type { CniSettings, IpPoolSettings } from "./config/types";
import type { EtcdClientFiles } from "./scenarios/etcd-tls";

export const TEMPLATES_DIR = join(__dirname, "..", "templates");

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders templates/<file> over plain values; strict, so a missing value is an error, and never HTML-escaped. */
export function renderTemplate(file: string, values: object): string {
  let template = compiled.get(file);
  if (!template) {
    template = Handlebars.compile(readFileSync(join(TEMPLATES_DIR, file), "utf8"), { noEscape: true, strict: true });
    compiled.set(file, template);
  }
  return template(values);
}

/** One YAML document per pool, as `calicoctl apply -f` takes them. */
export function renderIpPools(pools: readonly IpPoolSettings[]): string {
  return pools.map((pool) => renderTemplate("ippool.yaml.hbs", pool)).join("---\n");
}

/**
 * The profile the calico CNI plugin would make for its network on the first ADD (the same rules: ingress
 * from the network's own members, any egress), made by the lab before any workload: two nodes' first
 * ADDs would otherwise race to create it and one fails with "resource already exists".
 */
export function renderNetworkProfile(networkName: string): string {
  return renderTemplate("profile.yaml.hbs", { name: networkName });
}

export function renderBgpConfiguration(values: { meshEnabled: boolean; asNumber: number }): string {
  return renderTemplate("bgp-configuration.yaml.hbs", values);
}

export function renderRouteReflectorPeer(): string {
  return renderTemplate("bgp-peer-route-reflectors.yaml.hbs", {});
}

/**
 * The conflist; `cni.mtu` here is the workloads' effective MTU (see core/mtu.ts), never 0. With etcd over
 * TLS, the plugin's etcd_ca_cert_file, etcd_cert_file and etcd_key_file.
 */
export function renderCniConflist(cni: CniSettings, etcdEndpoints: string, etcdTls: EtcdClientFiles | false = false): string {
  return renderTemplate("cni-conflist.json.hbs", { ...cni, etcdEndpoints, etcdTls });
}

export interface CalicoNodeEnvValues {
  readonly nodeName: string;
  readonly ip: string;
  readonly asNumber: number;
  readonly etcdEndpoints: string;
  readonly logLevel: string;
  /** etcd over TLS: ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE; false for plain HTTP. */
  readonly etcdTls?: EtcdClientFiles | false;
}

/** The environment `calicoctl node run` would give calico-node, as KEY=VALUE lines. */
export function renderCalicoNodeEnv(values: CalicoNodeEnvValues): string[] {
  return renderTemplate("calico-node.env.hbs", { ...values, etcdTls: values.etcdTls ?? false })
    .split("\n")
    .filter((line) => line.trim() !== "");
}
