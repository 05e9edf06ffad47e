/** The calicolab package: the lab's component and the types of its inputs and outputs. */
export { CalicoLab } from "./calico-lab";
export type * from "./args";
export type * from "./outputs";
