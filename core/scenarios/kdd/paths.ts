/**
 * Fixed places of the kdd scenario. The kube-apiserver container (image offlineImages.kubeApiserver) holds
 * kube-apiserver, kubectl, openssl and Calico's CRDs; the lab's certificates and its admin kubeconfig are
 * made inside it. Calico nodes get the same kubeconfig at KDD_NODE_KUBECONFIG (calico-node and the CNI
 * plugin both read it there, as in Calico's own manifests).
 */

export const APISERVER_PORT = 6443;
export const KDD_PKI_DIR = "/etc/kubernetes/pki";
/** The admin kubeconfig inside the apiserver container (server: the apiserver's lab address). */
export const KDD_ADMIN_KUBECONFIG = "/etc/kubernetes/admin.kubeconfig";
/** Where the kubeconfig goes in every Calico node. */
export const KDD_NODE_KUBECONFIG = "/etc/cni/net.d/calico-kubeconfig";
/** The only namespace the lab uses: it exists from the start, and no namespace is ever deleted (no controller manager). */
export const KDD_NAMESPACE = "default";
/** The lab's Services range; the apiserver's serving certificate names its first address. */
export const KDD_DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
/** Pods are never run (no kubelet); this image name is only required by Pod validation. */
export const KDD_POD_IMAGE = "calico-lab/no-kubelet:none";
