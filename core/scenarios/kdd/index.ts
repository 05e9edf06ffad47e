/**
 * The kdd scenario's recipe (pure: no Pulumi, no transport), as components/scenarios/kdd.ts runs it:
 *   1. etcd, then kube-apiserver (kubeApiserverRuntime: makes its certificates, then serves; ready on /readyz);
 *      readKubeconfigScript in the apiserver node -> the admin kubeconfig (a secret), and from it the lab's
 *      Kubernetes provider
 *   2. through the provider: Calico's CRDs (calicoCrdFiles), a Node per Calico node (kddNodeObjects; before
 *      calico-node starts: it exits when its Node is missing), a CalicoNodeStatus each (kddNodeStatusObjects)
 *   3. Calico nodes (calicoNodeKddRuntime: waits for its kubeconfig); writeNodeKubeconfigScript in each;
 *      then the lab's shared steps: tools, BGP settings and pools with calicoctl on the Kubernetes
 *      datastore, the conflist (renderKddCniConflist)
 *   4. per workload: its Pod through the provider (kddPodObject), then the shared workloadAddScript with the
 *      Pod in CNI_ARGS (its node)
 * Teardown: the shared workloadDelScript, then the Pod; on destroy the objects go with etcd, the containers
 * and network with the substrate.
 */
export * from "./apiserver";
export * from "./objects";
export * from "./paths";
export * from "./pki";
export * from "./render";
export * from "./scripts";
