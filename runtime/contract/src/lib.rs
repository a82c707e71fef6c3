//! The contract between the parts of slips: the config model, the lanes,
//! the format chains by name, and the names a deployed stack is known by
//! (functions, environment, outputs). The runtime, the templates and the CLI
//! all read these from here; nothing in this crate talks to AWS.

#![warn(missing_docs)]

pub mod config;
pub mod format;
pub mod lane;
pub mod names;
pub mod quota;
mod suggest;
