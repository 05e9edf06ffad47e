import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";
import versions from "../../../versions.json";
import { requireArtifact } from "./offline-artifact";

/** The images Calico's manifest names (docker.io/calico/<name>:<version>) and the lab's own builds of them. */
export interface CalicoImages {
  readonly node: string;
  readonly cni: string;
  readonly kubeControllers: string;
}

/** The offline build's Calico images (versions.json): what the manifest runs instead of docker.io/calico's. */
export const OFFLINE_CALICO_IMAGES: CalicoImages = {
  node: versions.offlineImages.node,
  cni: versions.kind.calicoImages.cni,
  kubeControllers: versions.kind.calicoImages.kubeControllers,
};

/** The offline images a kind lab loads into its nodes (`kind load docker-image`) before Calico's manifest. */
export function offlineCalicoImageList(): string[] {
  return [OFFLINE_CALICO_IMAGES.node, OFFLINE_CALICO_IMAGES.cni, OFFLINE_CALICO_IMAGES.kubeControllers];
}

export interface CalicoManifestValues {
  /** The Calico release the manifest is from: its images are named with it. */
  readonly version: string;
  /** The offline build's images; undefined keeps the manifest's own (online). */
  readonly images?: CalicoImages;
}

/** The manifest in two parts: everything but calico-kube-controllers, then its Deployment (after the pools). */
export interface CalicoManifest {
  readonly install: string;
  readonly controllers: string;
}

interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  env?: Array<{ name: string; value?: string }>;
}
interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: { initContainers?: Container[]; containers?: Container[] } } };
}

/**
 * Calico's manifest install (manifests/calico.yaml of the release), as the lab applies it: the lab makes its
 * own pools (NO_DEFAULT_POOLS: calico-node would otherwise make 192.168.0.0/16 or kubeadm's podSubnet with
 * IPIP); with the offline build's images, those instead of docker.io/calico's, never pulled, and without the
 * mount-bpffs init container (the lab's calico-node is built without cgo: no eBPF dataplane to mount for).
 * calico-kube-controllers comes apart from the rest: with no default pool its Pod gets no address until the
 * lab's pools exist.
 */
export function renderCalicoManifest(upstream: string, values: CalicoManifestValues): CalicoManifest {
  const objects = parseAllDocuments(upstream)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null && typeof object === "object");
  const own = values.images;
  const upstreamImage = (name: string) => `docker.io/calico/${name}:${values.version}`;
  const images = own
    ? new Map([
        [upstreamImage("node"), own.node],
        [upstreamImage("cni"), own.cni],
        [upstreamImage("kube-controllers"), own.kubeControllers],
      ])
    : new Map<string, string>();
  for (const object of objects) {
    const pod = object.spec?.template?.spec;
    if (!pod) continue;
    if (own && pod.initContainers) pod.initContainers = pod.initContainers.filter((c) => c.name !== "mount-bpffs");
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const image = container.image ? images.get(container.image) : undefined;
      if (image) Object.assign(container, { image, imagePullPolicy: "Never" });
      if (object.kind === "DaemonSet" && container.name === "calico-node") {
        container.env = [
          ...(container.env ?? []).filter((e) => e.name !== "NO_DEFAULT_POOLS"),
          { name: "NO_DEFAULT_POOLS", value: "true" },
        ];
      }
    }
  }
  const text = (list: Manifest[]) => list.map((object) => stringify(object)).join("---\n");
  const controllers = objects.filter(isControllers);
  const rendered = { install: text(objects.filter((o) => !isControllers(o))), controllers: text(controllers) };
  if (own && `${rendered.install}${rendered.controllers}`.includes("docker.io/calico/")) {
    throw new Error(`calico.yaml ${values.version} names an image the lab has no build of`);
  }
  return rendered;
}

/** calico-kube-controllers' Deployment: its Pod needs an address, so a pool, which the lab makes after the install. */
function isControllers(object: Manifest): boolean {
  return object.kind === "Deployment" && object.metadata?.name === "calico-kube-controllers";
}

/** The artifact manifest's entry for Calico's manifest (scripts/offline/kind-calico.sh): the kind parts are built. */
export const KIND_ARTIFACT = "calico-manifest";

/**
 * Calico's manifest from the offline build (scripts/offline/kind-calico.sh), rendered with the offline images:
 * what an offline kind lab applies. Throws, saying what to build, when the build has no manifest of the pinned Calico.
 */
export function readOfflineCalicoManifest(manifestPath: string, build = "--kind"): CalicoManifest {
  const want = {
    artifact: KIND_ARTIFACT,
    what: `Calico manifest ${versions.calico.version}`,
    version: versions.calico.version,
    withPath: true,
  };
  const entry = requireArtifact(manifestPath, want, build);
  return renderCalicoManifest(readFileSync(entry.path!, "utf8"), { version: versions.calico.version, images: OFFLINE_CALICO_IMAGES });
}
