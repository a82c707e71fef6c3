//! One module per `slips` subcommand.

pub mod config_schema;
pub mod init;
pub mod local;
pub mod validate;
