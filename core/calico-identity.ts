import { parseAllDocuments } from "yaml";

/**
 * What makes a Calico resource a different one rather than a changed one: its kind and name, and for an
 * IPPool the fields Calico refuses to change in place (cidr, blockSize). Two YAML streams with the same
 * identities are one `calicoctl apply` apart; any other difference needs the old resources deleted first.
 */
export function calicoResourceIdentities(yaml: string): string[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as CalicoDocument | null)
    .filter((doc): doc is CalicoDocument => doc !== null && typeof doc === "object")
    .map((doc) => {
      const id = `${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
      return doc.kind === "IPPool" ? `${id} cidr=${String(doc.spec?.cidr)} blockSize=${String(doc.spec?.blockSize)}` : id;
    })
    .sort();
}

interface CalicoDocument {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly cidr?: unknown; readonly blockSize?: unknown };
}
