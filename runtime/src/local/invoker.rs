//! Main, locally: what Lambda does for an asynchronous invoke. The handler
//! runs in this process; each invocation is tried once and retried twice,
//! then its payload goes to the local DLQ with a request id and the error.
//! Objects Main hands back (failed in a batch of several) are queued as
//! invocations of their own, as Lambda queues them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::counters::Counters;
use super::objects::LocalStore;
use super::state::LocalState;
use crate::config::Config;
use crate::error_table::Failure;
use crate::event::ObjectEvent;
use crate::functions::main;
use crate::handler::Handler;
use crate::invoker::Invoker;

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
        let mut queue = VecDeque::from([payload]);
        while let Some(payload) = queue.pop_front() {
            let events: Vec<ObjectEvent> = serde_json::from_slice(&payload)?;
            let request_id = uuid::Uuid::new_v4().to_string();
            let mut last_error = None;
            for attempt in 1..=ATTEMPTS {
                let handed_back = Queued::default();
                match main::handle::<H, _, _>(self.config, &self.store, &handed_back, &events, None)
                    .await
                {
                    Ok(handled) => {
                        self.counters.succeeded(&handled.summary);
                        queue.extend(handed_back.take());
                        last_error = None;
                        break;
                    }
                    Err(error) => {
                        // Retries are expected; what is left failing is recorded (and warned).
                        tracing::info!(
                            request_id,
                            attempt,
                            of = ATTEMPTS,
                            error = main::error_message(&error),
                            "invocation failed"
                        );
                        last_error = Some(error);
                    }
                }
            }
            if let Some(error) = last_error {
                self.state.dlq_push(&Failure::new(
                    request_id,
                    events,
                    main::error_code(&error),
                    main::error_message(&error),
                ))?;
            }
        }
        Ok(())
    }
}

/// The invocations Main hands back during one invocation, queued until it ends.
#[derive(Default)]
struct Queued(Mutex<Vec<Vec<u8>>>);

impl Queued {
    fn take(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Invoker for Queued {
    async fn invoke(&self, payload: Vec<u8>) -> anyhow::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(payload);
        Ok(())
    }
}
