//! A stateful mock of NetApp ONTAP Select Deploy (being written).
