/**
 * The kdd scenario's recipe (pure: no Pulumi, no transport), as components/scenarios/kdd.ts runs it:
 *   1. etcd, then kube-apiserver (kubeApiserverRuntime: makes its certificates, then serves; ready on /readyz)
 *   2. in the apiserver node: applyCrdsScript, createNodesScript (before calico-node starts: it exits when its
 *      Node is missing), readKubeconfigScript -> the kubeconfig (a secret)
 *   3. Calico nodes (calicoNodeKddRuntime: waits for its kubeconfig); writeNodeKubeconfigScript in each;
 *      then the lab's shared steps: tools, BGP settings and pools with calicoctl on the Kubernetes
 *      datastore, the conflist (renderKddCniConflist)
 *   4. per workload: createPodScript (apiserver node), then the shared workloadAddScript with the Pod in
 *      CNI_ARGS (its node); podIpScript reads the address back
 * Teardown: the shared workloadDelScript, deletePodScript, deleteNodesScript; containers and network go with the substrate.
 */
export * from "./apiserver";
export * from "./paths";
export * from "./pki";
export * from "./render";
export * from "./scripts";
