//! What outlives an invocation: a value built once per sandbox (a Lambda
//! execution environment, or one local run) and shared by every invocation
//! it serves after. Handlers are built per invocation (`setup`); HTTP
//! clients, database pools and caches are worth keeping longer.

use std::future::Future;

use anyhow::Context;
use tokio::sync::OnceCell;

/// A value built once per sandbox, on first use, and shared by every
/// invocation after. Declare it as a `static` and fetch it in `setup`;
/// the handler keeps the `&'static` reference.
///
/// ```
/// # use slips::{Handler, Meta, Record};
/// /// Stands for an HTTP client or a database pool.
/// struct Client { url: String }
///
/// static CLIENT: slips::Sandbox<Client> = slips::Sandbox::new();
///
/// struct Forward { client: &'static Client, records: u64 }
///
/// impl Handler for Forward {
///     type Args = serde_json::Value;
///     type Output = u64;
///
///     async fn setup(args: serde_json::Value) -> slips::Result<Self> {
///         let client = CLIENT
///             .get_or_init(|| async {
///                 let url = args["url"].as_str().unwrap_or("http://localhost");
///                 Ok(Client { url: url.to_string() })
///             })
///             .await?;
///         Ok(Forward { client, records: 0 })
///     }
///
///     async fn recv(&mut self, _: &Meta<'_>, _: &Record<'_>) -> slips::Result<()> {
///         self.records += 1; // would send to self.client.url
///         Ok(())
///     }
///
///     async fn result(self) -> slips::Result<u64> {
///         Ok(self.records)
///     }
/// }
/// ```
///
/// A build that fails is not kept: the invocation fails (and is retried),
/// and the next one builds again, so one bad start does not poison the
/// sandbox for its whole life. The value is built from the first
/// invocation's args; `handler.args` change only with a deploy, which
/// starts new sandboxes.
#[derive(Debug)]
pub struct Sandbox<T> {
    cell: OnceCell<T>,
}

impl<T> Sandbox<T> {
    /// An empty sandbox value, for a `static`.
    pub const fn new() -> Self {
        Sandbox {
            cell: OnceCell::const_new(),
        }
    }

    /// The value, built by `build` if this is its first use (concurrent
    /// first uses wait for the one build).
    pub async fn get_or_init<F, Fut>(&self, build: F) -> crate::Result<&T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = crate::Result<T>>,
    {
        self.cell
            .get_or_try_init(build)
            .await
            .context("building the value the handler keeps for its sandbox")
    }

    /// The value, if it was built.
    pub fn get(&self) -> Option<&T> {
        self.cell.get()
    }
}

impl<T> Default for Sandbox<T> {
    fn default() -> Self {
        Sandbox::new()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::{Handler, Meta, Record};

    static BUILDS: AtomicU32 = AtomicU32::new(0);
    static SHARED: Sandbox<u32> = Sandbox::new();

    /// Counts its records into a total it shares with later invocations.
    struct Shares(&'static u32, u64);

    impl Handler for Shares {
        type Args = serde_json::Value;
        type Output = (u32, u64);

        async fn setup(_: serde_json::Value) -> crate::Result<Self> {
            let shared = SHARED
                .get_or_init(|| async { Ok(BUILDS.fetch_add(1, Ordering::SeqCst) + 7) })
                .await?;
            Ok(Shares(shared, 0))
        }

        async fn recv(&mut self, _: &Meta<'_>, _: &Record<'_>) -> crate::Result<()> {
            self.1 += 1;
            Ok(())
        }

        async fn result(self) -> crate::Result<(u32, u64)> {
            Ok((*self.0, self.1))
        }
    }

    #[test]
    fn invocations_share_one_build() {
        let trial = crate::testing::Trial::new("s3-lines");
        let first = trial.run_blocking::<Shares>(b"a\nb\n").expect("first");
        let second = trial.run_blocking::<Shares>(b"c\n").expect("second");
        assert_eq!((first.output, second.output), ((7, 2), (7, 1)));
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_build_is_not_kept() {
        let sandbox: Sandbox<&str> = Sandbox::new();
        let error = sandbox
            .get_or_init(|| async { Err(anyhow::anyhow!("the database is down")) })
            .await
            .expect_err("fails");
        assert!(
            format!("{error:#}").contains("the database is down"),
            "{error:#}"
        );
        assert!(sandbox.get().is_none());
        let value = sandbox.get_or_init(|| async { Ok("connected") }).await;
        assert_eq!(value.ok().copied(), Some("connected"));
    }
}
