import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DYNAMIC_HOST_COMMAND_TYPE, HOST_COMMAND_TYPE } from "../../components/lab/host-command";
import { dynamicType, STEPS_PACKAGE, STEPS_PROVIDER_VERSION, stepsType } from "../../components/lab/step-provider";
import { BRIDGE_MARKER } from "../../core/substrates/docker/bridge-forwarding";

const source = (file: string) => readFileSync(join(__dirname, "..", "..", "providers", "steps", file), "utf8");

describe("the calicolab-steps provider and the program that asks for it", () => {
  it("agree on the version: the one the build installs (providers/steps/VERSION) is the one the lab asks for", () => {
    expect(source("VERSION").trim()).toBe(STEPS_PROVIDER_VERSION);
  });

  it("agree on the types the provider serves, in the package the plugin is named after", () => {
    expect(HOST_COMMAND_TYPE).toBe(`${STEPS_PACKAGE}:index:HostCommand`);
    expect(source("command.go")).toContain(`const commandType = "${HOST_COMMAND_TYPE}"`);
    expect(source("container.go")).toContain(`const containerType = "${stepsType("DockerContainer")}"`);
    expect(source("network.go")).toContain(`const networkType = "${stepsType("DockerNetwork")}"`);
    expect(source("probe.go")).toContain(`const probeType = "${stepsType("LiveProbe")}"`);
    expect(source("../../scripts/offline/steps-provider.sh")).toContain(`pulumi-resource-${STEPS_PACKAGE}`);
  });

  it("keeps the resources of labs made on the dynamic provider under an alias of their old type", () => {
    expect(DYNAMIC_HOST_COMMAND_TYPE).toBe("pulumi-nodejs:dynamic/calicolab:HostCommand");
    expect(dynamicType("DockerContainer")).toBe("pulumi-nodejs:dynamic/calicolab:DockerContainer");
  });

  it("agree on what stands for the lab network's bridge in the rules given before it exists", () => {
    expect(source("network.go")).toContain(`const bridgeMarker = "${BRIDGE_MARKER}"`);
  });
});
