/** The lab's name for its etcd node (it names the node's container, or its VM); no Calico node may take it. */
export const ETCD_NODE = "etcd";

export const RESERVED_ETCD =
  "etcd is the lab's name for its etcd node (it names that node's container or VM); allowed is any other DNS label";
