import { describe, expect, it } from "vitest";
import { networkRemoveFailure } from "../../core/substrates/docker/network-removal";

const STALE =
  "Error response from daemon: error while removing network: network calicolab-x-underlay-net id 06e2f058c403 has active endpoints\n";

describe("the lab network's removal, when Docker keeps refusing it", () => {
  it("names Docker's own leftover endpoint count, and what clears it, when no container is attached", () => {
    expect(networkRemoveFailure("calicolab-x-underlay-net", STALE, 0)).toBe(
      "removing the lab network calicolab-x-underlay-net: Docker still counts endpoints on it although no container is attached " +
        "(Error response from daemon: error while removing network: network calicolab-x-underlay-net id 06e2f058c403 has active endpoints). " +
        "That count is the engine's own, left behind when it removed many containers at once on a busy machine; restarting the " +
        "Docker engine clears it. Then run npm run lab:down again.",
    );
  });

  it("passes Docker's words on otherwise: containers still attached, or the network not inspectable", () => {
    expect(networkRemoveFailure("n", STALE, 2)).toBe(`removing the lab network n failed: ${STALE.trim()}`);
    expect(networkRemoveFailure("n", "permission denied", -1)).toBe("removing the lab network n failed: permission denied");
  });
});
