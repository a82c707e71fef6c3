//! Main, locally: what Lambda does for an asynchronous invoke. The handler
//! runs in this process; a failure is retried twice, then the payload goes to
//! the local DLQ with a request id and the error.

use std::sync::Arc;

use chrono::Utc;

use super::pipeline::Counters;
use super::state::LocalState;
use crate::config::Config;
use crate::error_table::Failure;
use crate::event::ObjectEvent;
use crate::functions::main;
use crate::handler::Handler;
use crate::invoker::Invoker;
use crate::object::LocalStore;

/// Lambda's asynchronous invocation: one try and two retries.
pub const ATTEMPTS: u32 = 3;

/// Runs Main on a local bucket directory.
pub struct LocalInvoker<'a, H> {
    pub config: &'a Config,
    pub store: LocalStore,
    pub state: Arc<LocalState>,
    pub(super) counters: Arc<Counters>,
    pub handler: std::marker::PhantomData<fn() -> H>,
}

impl<H: Handler> Invoker for LocalInvoker<'_, H> {
    async fn invoke(&self, payload: Vec<u8>) -> anyhow::Result<()> {
        let events: Vec<ObjectEvent> = serde_json::from_slice(&payload)?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut last_error = None;
        for attempt in 1..=ATTEMPTS {
            match main::process::<H, _>(self.config, &self.store, &events).await {
                Ok(invocation) => {
                    self.counters
                        .succeeded(events.len() as u64, invocation.summary.records);
                    if let Ok(output) = serde_json::to_string(&invocation.output) {
                        tracing::debug!(request_id, output, "invocation done");
                    }
                    return Ok(());
                }
                Err(error) => {
                    tracing::warn!(
                        request_id,
                        attempt,
                        error = format!("{error:#}"),
                        "invocation failed"
                    );
                    last_error = Some(error);
                }
            }
        }
        let error = last_error.map(|e| format!("{e:#}")).unwrap_or_default();
        self.state.dlq_push(&Failure {
            request_id,
            events,
            error_code: "Unhandled".into(),
            error_message: error,
            at: Utc::now(),
        })?;
        Ok(())
    }
}
