import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { inject } from "vitest";
import { parse } from "yaml";
import type { KubeObject } from "../../core/substrates/kind/render";
import { currentPins, describePins, readIndex, schemaRoot } from "./fetch";
import type { SchemaIndex } from "./pins";

/**
 * Validates rendered Kubernetes objects against the schemas the API server would use: the Kubernetes
 * OpenAPI v3 specs for built-in kinds and the CRDs' openAPIV3Schema for Calico's and the operator's kinds.
 * Strict like `kubectl apply --validate=strict`: a field the schema does not declare is an error
 * (except where the schema preserves unknown fields).
 */

type Schema = Record<string, unknown>;

export const SCHEMA_ROOT = schemaRoot();

/**
 * The schemas for the current pins, which the unit tests' global setup fetched into the cache; throws
 * with the reason it could not, and what to run, when they are missing.
 */
export function schemaIndex(): SchemaIndex {
  const pins = currentPins();
  const index = readIndex(SCHEMA_ROOT, pins);
  if (index) return index;
  let reason = "";
  try {
    reason = inject("schemasError");
  } catch {
    // outside a vitest run
  }
  throw new Error(
    `the schemas for ${describePins(pins)} are not in ${SCHEMA_ROOT}` +
      (reason ? `, and fetching them failed: ${reason}` : "") +
      ". The unit tests fetch them from the Go module proxy with `go mod download` (Go on PATH, the proxy reachable); " +
      "`npm run fetch:schemas` does the same step alone.",
  );
}

/** Adds additionalProperties: false wherever an object schema lists its properties and does not say otherwise. */
function strictify(schema: unknown): void {
  if (Array.isArray(schema)) return schema.forEach(strictify);
  if (schema === null || typeof schema !== "object") return;
  const s = schema as Schema;
  const properties = s.properties as Record<string, unknown> | undefined;
  if (properties && s.additionalProperties === undefined && s["x-kubernetes-preserve-unknown-fields"] !== true) {
    s.additionalProperties = false;
  }
  if (properties) Object.values(properties).forEach(strictify);
  for (const key of ["items", "additionalProperties", "not"]) if (typeof s[key] === "object") strictify(s[key]);
  for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(s[key])) strictify(s[key]);
}

function gvk(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

export class ManifestValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly byKind = new Map<string, () => ValidateFunction>();
  /** Kinds each schema source declares, for the error when an object's kind is unknown. */
  readonly known: string[] = [];

  constructor(index: SchemaIndex) {
    for (const file of readdirSync(index.kubernetes.openapi).filter((f) => /^(api__v\d+|apis__.+__v\d+)_openapi\.json$/.test(f))) {
      const doc = JSON.parse(readFileSync(join(index.kubernetes.openapi, file), "utf8")) as {
        components?: { schemas?: Record<string, Schema> };
      };
      const schemas = doc.components?.schemas ?? {};
      const id = `k8s:${file}`;
      let added = false;
      for (const [name, schema] of Object.entries(schemas)) {
        const kinds = (schema["x-kubernetes-group-version-kind"] ?? []) as Array<{ group: string; version: string; kind: string }>;
        for (const k of kinds) {
          const key = gvk(k.group ? `${k.group}/${k.version}` : k.version, k.kind);
          if (this.byKind.has(key)) continue;
          this.known.push(key);
          this.byKind.set(key, () => {
            if (!added) {
              strictify(Object.values(schemas));
              this.ajv.addSchema({ components: { schemas } }, id);
              added = true;
            }
            return (
              this.ajv.getSchema(`${id}#/components/schemas/${name}`) ?? this.ajv.compile({ $ref: `${id}#/components/schemas/${name}` })
            );
          });
        }
      }
    }
    for (const file of readdirSync(index.calico.crds).filter((f) => f.endsWith(".yaml"))) {
      const crd = parse(readFileSync(join(index.calico.crds, file), "utf8")) as {
        spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }> };
      };
      for (const version of crd.spec.versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (!schema) continue;
        const key = gvk(`${crd.spec.group}/${version.name}`, crd.spec.names.kind);
        this.known.push(key);
        let compiled: ValidateFunction | undefined;
        this.byKind.set(key, () => {
          if (!compiled) {
            strictify(schema);
            compiled = this.ajv.compile(schema);
          }
          return compiled;
        });
      }
    }
  }

  /** Every schema violation of one object, as "kind/name: path message" lines; empty when it is valid. */
  errors(object: KubeObject): string[] {
    const key = gvk(object.apiVersion, object.kind);
    const get = this.byKind.get(key);
    const label = `${object.kind}/${object.metadata.name}`;
    if (!get) return [`${label}: no schema for ${key} (known: ${this.known.length} kinds)`];
    const validate = get();
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e) => {
      const extra =
        e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : "";
      return `${label}: ${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
    });
  }
}

/** The yaml field names of each struct in kind's v1alpha4 types.go: what kind's strict config decoder accepts. */
export function kindConfigFields(typesGo: string): Map<string, Set<string>> {
  const structs = new Map<string, Set<string>>();
  const block = /^type (\w+) struct \{\n([\s\S]*?)^\}/gm;
  for (const match of typesGo.matchAll(block)) {
    const fields = new Set<string>();
    for (const tag of (match[2] ?? "").matchAll(/yaml:"([^",]*)(,[^"]*)?"/g)) {
      if (tag[1]) fields.add(tag[1]);
      else if (tag[2]?.includes("inline")) fields.add("(inline)");
    }
    structs.set(match[1] ?? "", fields);
  }
  return structs;
}
