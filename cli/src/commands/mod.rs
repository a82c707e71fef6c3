//! One module per `slips` subcommand.

pub mod backfill;
pub mod config_schema;
pub mod deploy;
pub mod destroy;
pub mod errors;
pub mod init;
pub mod invoke;
pub mod limit;
pub mod local;
pub mod package;
pub mod run;
pub mod sample;
pub mod template;
pub mod validate;
