//! Building blocks for crates that trace HTTP on top of these layers (tracing-axum,
//! tracing-reqwest), so that every integration tags, injects and finishes spans the same
//! way.

pub use crate::client::inject::inject_headers;
pub use crate::finish::FinishGuard;
pub use crate::method::tag_method;
pub use crate::peer::{tag_peer_addr, tag_peer_host};
