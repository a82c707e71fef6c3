//! Invoking Main: the port the Dispatchers use, and its Lambda adapter
//! (an asynchronous invoke, so Lambda's retries and DLQ take over).

mod lambda;

use std::future::Future;

pub use lambda::LambdaInvoker;

/// Hands a payload (a JSON array of object events) to Main.
pub trait Invoker: Send + Sync {
    fn invoke(&self, payload: Vec<u8>) -> impl Future<Output = anyhow::Result<()>> + Send;
}
