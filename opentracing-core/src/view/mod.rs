//! Views of finished traces for people: a waterfall drawn in the terminal (feature `view`).

mod waterfall;

pub use waterfall::{WaterfallRecorder, render_trace};
