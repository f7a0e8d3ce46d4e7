//! Views of finished traces for people (feature `view`): a waterfall drawn in the terminal,
//! and a bounded store of recent traces that the trace viewer page reads.

mod bucket;
mod filing;
mod store;
mod waterfall;

pub use bucket::Bucket;
pub use store::{OperationBuckets, StoreLimits, StoreUsage, TraceFilter, TraceStore, TraceSummary};
pub use waterfall::{WaterfallRecorder, format_duration, render_trace, tree_order};
