//! One module per `slips` subcommand.

pub mod config_schema;
pub mod validate;
