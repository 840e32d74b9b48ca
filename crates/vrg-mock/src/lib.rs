//! A stateful mock of a Huawei FusionCompute VRG (being written).
