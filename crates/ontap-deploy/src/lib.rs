//! NetApp ONTAP Select Deploy REST API v3 (being written): the model, the query encoder
//! and the vendor error detail.

pub mod error;
mod lenient;
pub mod model;
pub mod query;

pub use error::{OntapError, OntapErrorExt};
pub use query::{Fields, Op, Order, Query};
