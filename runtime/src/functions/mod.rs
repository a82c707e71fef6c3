//! The functions of the stack as plain logic over small ports; the same code
//! runs in Lambda and locally.

pub mod dispatcher;
pub mod drain;
pub mod event_pusher;
pub mod main;
pub mod reporter;
