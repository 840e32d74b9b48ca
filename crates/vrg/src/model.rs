//! Request and answer types of the VRG API.
