//! NetApp ONTAP Select Deploy REST API v3 (being written).
