//! Reporter: failures in (Main's dead letters, each a payload that failed
//! after Lambda's retries, with the request id and error), error-table
//! items out. The same request id again updates that item: reporting is
//! idempotent.

use crate::config::Config;
use crate::error_table::{ErrorStore, Failure};
use crate::telemetry::FailureRecorded;

/// The Reporter's entry point, the same in Lambda and locally: records
/// every failure in the error table, in order; the first that cannot be
/// recorded fails the call (so its dead letter is retried, not dropped).
pub async fn report<S: ErrorStore>(
    config: &Config,
    store: &S,
    failures: &[Failure],
) -> anyhow::Result<usize> {
    for failure in failures {
        store.record(failure).await?;
        FailureRecorded {
            stack: &config.stack_name,
            failure,
        }
        .emit();
    }
    Ok(failures.len())
}
