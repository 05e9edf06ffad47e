/**
 * The kdd scenario's recipe on the docker substrate (and any substrate that gives nodes a shell): a bare
 * kube-apiserver over etcd, Node objects made by the lab, calico-node with DATASTORE_TYPE=kubernetes, Calico's
 * CRDs, pools and BGP settings as CRDs, and pods wired by the calico CNI plugin without a kubelet. Pure: no
 * Pulumi, no transport. The order the lab runs it in:
 *   1. etcd (core/node-spec etcdContainerSpec)
 *   2. kube-apiserver container (kubeApiserverContainerSpec: makes its certificates, then serves);
 *      wait for apiserverReadyScript; readKubeconfigScript -> the kubeconfig (a secret)
 *   3. applyCrdsScript; kubectlApplyScript(renderKddIpPools + renderKddBgpConfiguration [+ peer])
 *   4. createNodesScript (before calico-node starts: it exits when its Node is missing)
 *   5. Calico nodes (calicoNodeKddContainerSpec: waits for its kubeconfig); writeNodeKubeconfigScript and
 *      writeConflistScript(renderKddCniConflist) in each; wait for bgpEstablishedScript
 *   6. per workload: createPodScript (apiserver container), then kddWorkloadAddScript (its node);
 *      podIpScript reads the address back
 * Teardown: kddWorkloadDelScript, deletePodScript; the containers and the network go with the substrate.
 */
export * from "./apiserver";
export * from "./paths";
export * from "./pki";
export * from "./render";
export * from "./scripts";
