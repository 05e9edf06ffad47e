import type { ImageSet, ToolSet, ToolSource } from "./types";

/**
 * Mirrors, as enterprises behind a firewall use them: a registry that serves the official repositories
 * at their official paths, and a site that serves GitHub's release downloads in their layout. Pure: the
 * lab builds from the set these functions return, so the rewritten names are exactly what it pulls and
 * downloads.
 */

/** The registry the official online images live on; `artifacts.registryMirror` stands in for it. */
export const OFFICIAL_REGISTRY = "quay.io";
/** The site the official release downloads live on; `artifacts.releaseMirror` stands in for it. */
export const OFFICIAL_RELEASE_SITE = "https://github.com";

export interface Mirrors {
  /** host[:port][/path] serving quay.io's repositories at their paths; empty: quay.io itself. */
  readonly registryMirror: string;
  /** URL prefix serving https://github.com's release downloads at their paths; empty: github.com itself. */
  readonly releaseMirror: string;
}

/**
 * The registry part of an image reference, Docker's way: the first path component when it has a dot or
 * a port or is `localhost`; otherwise there is none (Docker Hub).
 */
export function registryOf(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : undefined;
}

/** `quay.io/calico/node:v3.28.5` → `<mirror>/calico/node:v3.28.5`; other registries and an empty mirror leave it as it is. */
export function mirrorImage(image: string, registryMirror: string): string {
  if (!registryMirror || registryOf(image) !== OFFICIAL_REGISTRY) return image;
  return `${registryMirror.replace(/\/+$/, "")}${image.slice(OFFICIAL_REGISTRY.length)}`;
}

/** `https://github.com/<path>` → `<mirror>/<path>`; other URLs and an empty mirror leave it as it is. */
export function mirrorUrl(url: string, releaseMirror: string): string {
  if (!releaseMirror || !url.startsWith(`${OFFICIAL_RELEASE_SITE}/`)) return url;
  return `${releaseMirror.replace(/\/+$/, "")}${url.slice(OFFICIAL_RELEASE_SITE.length)}`;
}

/**
 * One tool source through the mirrors. A url source's download and its checksum file both move; a pinned
 * `sha256` stays as it is and still wins over the checksum file. Go sources go through Go's own proxy
 * settings (GOPROXY, GOFLAGS), manifest sources are local.
 */
export function mirrorToolSource(source: ToolSource, mirrors: Mirrors): ToolSource {
  switch (source.kind) {
    case "url":
      return {
        ...source,
        url: mirrorUrl(source.url, mirrors.releaseMirror),
        ...(source.checksumUrl === undefined ? {} : { checksumUrl: mirrorUrl(source.checksumUrl, mirrors.releaseMirror) }),
      };
    case "image":
      return { ...source, image: mirrorImage(source.image, mirrors.registryMirror) };
    case "go":
    case "manifest":
      return source;
  }
}

/** The images and tool sources the lab uses, with every official registry and release reference moved to its mirror. */
export function mirrorImageSet(set: ImageSet, mirrors: Mirrors): ImageSet {
  const tools = Object.fromEntries(
    Object.entries(set.tools).map(([name, source]) => [name, mirrorToolSource(source as ToolSource, mirrors)]),
  ) as unknown as ToolSet;
  return {
    etcd: mirrorImage(set.etcd, mirrors.registryMirror),
    node: mirrorImage(set.node, mirrors.registryMirror),
    apiserver: set.apiserver && mirrorImage(set.apiserver, mirrors.registryMirror),
    etcdRunsScripts: set.etcdRunsScripts,
    tools,
  };
}

/** Every image reference of a set (the nodes' images and the images tools are copied out of). */
export function imagesOf(set: ImageSet): string[] {
  const tools = Object.values(set.tools) as ToolSource[];
  return [set.etcd, set.node, set.apiserver, ...tools.flatMap((t) => (t.kind === "image" ? [t.image] : []))].filter(Boolean);
}

/** Every URL a set downloads (the files and their checksum files). */
export function urlsOf(set: ImageSet): string[] {
  const tools = Object.values(set.tools) as ToolSource[];
  return tools.flatMap((t) => (t.kind === "url" ? [t.url, ...(t.checksumUrl ? [t.checksumUrl] : [])] : []));
}

/**
 * Whether a registryMirror value names a registry Docker will take as one: host[:port] with an optional
 * path, no scheme. The host needs a dot or a port (or is localhost), or Docker would read it as a Docker
 * Hub namespace.
 */
export function registryMirrorProblem(value: string): string | undefined {
  if (value === "") return undefined;
  const example = "such as registry.example.com, mirror.example.com:5000 or harbor.example.com/quay-proxy";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `allowed is a registry host[:port][/path] without a scheme, ${example}`;
  const match =
    /^((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?((?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)$/.exec(
      value,
    );
  if (!match) return `allowed is empty (quay.io itself) or a registry host[:port][/path], ${example}`;
  const [, host = "", port, path = ""] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `the port must be 1 to 65535; ${example}`;
  if (!host.includes(".") && port === undefined && host !== "localhost" && !host.startsWith("[")) {
    return `Docker would read "${host}${path}" as a Docker Hub namespace, not a registry: give the host a domain or a port, ${example}`;
  }
  return undefined;
}

/** Whether a releaseMirror value is an http(s) URL prefix that paths can be appended to. */
export function releaseMirrorProblem(value: string): string | undefined {
  if (value === "") return undefined;
  const allowed =
    "allowed is empty (github.com itself) or an http(s) URL prefix without credentials, query or fragment, such as https://mirror.example.com/github";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return allowed;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username || url.password || !url.hostname) {
    return allowed;
  }
  return undefined;
}
