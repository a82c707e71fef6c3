//! Following a stack operation (create, update, delete) through the stack's
//! events until it ends: each new event printed as it comes, a live progress
//! line on a terminal, and at the end the outcome with every failed
//! resource's reason.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::Context;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::StackEvent;

use crate::change_set::POLL_INTERVAL;

/// The resource type of the stack's own events.
const STACK_TYPE: &str = "AWS::CloudFormation::Stack";

/// Stack statuses that end an operation well.
const SUCCESS: [&str; 4] = [
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "DELETE_COMPLETE",
    "IMPORT_COMPLETE",
];

/// Reasons CloudFormation gives a resource that failed only because another
/// one did: listed only when nothing else failed.
const COLLATERAL: [&str; 2] = ["Resource creation cancelled", "Resource update cancelled"];

/// One stack event, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    is_stack: bool,
}

impl Event {
    fn from_sdk(event: &StackEvent, stack_id: &str) -> Event {
        let resource_type = event.resource_type().unwrap_or_default().to_string();
        Event {
            is_stack: resource_type == STACK_TYPE && event.physical_resource_id() == Some(stack_id),
            logical_id: event.logical_resource_id().unwrap_or_default().to_string(),
            resource_type,
            status: event
                .resource_status()
                .map_or("UNKNOWN", |s| s.as_str())
                .to_string(),
            reason: event
                .resource_status_reason()
                .filter(|r| !r.is_empty())
                .map(str::to_string),
        }
    }

    /// Whether this is the stack's own event with a status that ends the operation.
    fn ends_operation(&self) -> bool {
        self.is_stack && !self.status.ends_with("_IN_PROGRESS")
    }
}

/// How an operation ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The stack's final status, e.g. `UPDATE_ROLLBACK_COMPLETE`.
    pub status: String,
    /// Every event of the operation, oldest first.
    pub events: Vec<Event>,
}

impl Outcome {
    /// Whether the operation did what was asked.
    pub fn succeeded(&self) -> bool {
        SUCCESS.contains(&self.status.as_str())
    }

    /// The failed resources, `LogicalId (Type): reason`, the first cause first.
    pub fn failures(&self) -> Vec<String> {
        let failed: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| !e.is_stack && e.status.ends_with("_FAILED"))
            .collect();
        let causes: Vec<&&Event> = failed
            .iter()
            .filter(|e| {
                !e.reason
                    .as_deref()
                    .is_some_and(|r| COLLATERAL.iter().any(|c| r.contains(c)))
            })
            .collect();
        let shown: Vec<&Event> = if causes.is_empty() {
            failed
        } else {
            causes.into_iter().copied().collect()
        };
        let mut lines: Vec<String> = shown
            .iter()
            .map(|e| {
                format!(
                    "{} ({}) {}: {}",
                    e.logical_id,
                    e.resource_type,
                    e.status,
                    e.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .collect();
        if lines.is_empty()
            && let Some(reason) = self
                .events
                .iter()
                .rev()
                .filter(|e| e.is_stack)
                .find_map(|e| e.reason.as_deref())
        {
            lines.push(format!("stack: {reason}"));
        }
        lines
    }

    /// Resources the operation left in place (`DELETE_SKIPPED`: retained).
    pub fn kept(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| e.status == "DELETE_SKIPPED")
            .collect()
    }
}

/// A watch on a stack's events: knows which events happened before it.
pub struct Watch {
    cloudformation: Client,
    stack_id: String,
    seen: HashSet<String>,
}

impl Watch {
    /// Starts watching the stack `stack_id` (its id, which also finds it
    /// after deletion): the events so far are not part of the operation.
    pub async fn start(cloudformation: &Client, stack_id: &str) -> anyhow::Result<Watch> {
        let mut watch = Watch {
            cloudformation: cloudformation.clone(),
            stack_id: stack_id.to_string(),
            seen: HashSet::new(),
        };
        // The newest page is enough: older events are older still.
        let page = watch.page(None).await?;
        watch.seen.extend(
            page.stack_events()
                .iter()
                .filter_map(|e| e.event_id())
                .map(str::to_string),
        );
        Ok(watch)
    }

    async fn page(
        &self,
        token: Option<String>,
    ) -> anyhow::Result<
        aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput,
    > {
        self.cloudformation
            .describe_stack_events()
            .stack_name(&self.stack_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("reading the events of stack {}", self.stack_id))
    }

    /// The events since the last call, oldest first.
    async fn new_events(&mut self) -> anyhow::Result<Vec<Event>> {
        let mut fresh = Vec::new();
        let mut token = None;
        'pages: loop {
            let page = self.page(token.take()).await?;
            for event in page.stack_events() {
                let Some(id) = event.event_id() else { continue };
                if !self.seen.insert(id.to_string()) {
                    break 'pages;
                }
                fresh.push(Event::from_sdk(event, &self.stack_id));
            }
            match page.next_token() {
                Some(next) => token = Some(next.to_string()),
                None => break,
            }
        }
        fresh.reverse();
        Ok(fresh)
    }

    /// Follows the operation until the stack's own event says it ended,
    /// showing each event on `progress`.
    pub async fn until_done(mut self, progress: &mut Progress) -> anyhow::Result<Outcome> {
        let mut events = Vec::new();
        loop {
            for event in self.new_events().await? {
                progress.show(&event);
                let end = event.ends_operation().then(|| event.status.clone());
                events.push(event);
                if let Some(status) = end {
                    progress.finish();
                    return Ok(Outcome { status, events });
                }
            }
            progress.tick();
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

/// What the operator sees while an operation runs: one line per event on
/// stderr, and on a terminal a status line below them, redrawn as it goes.
pub struct Progress {
    /// `creating`, `updating`, `deleting`.
    verb: &'static str,
    stack: String,
    /// Resources the operation touches, when known (from the change set).
    total: Option<usize>,
    done: usize,
    started: Instant,
    live: bool,
}

impl Progress {
    pub fn new(verb: &'static str, stack: &str, total: Option<usize>) -> Progress {
        Progress {
            verb,
            stack: stack.to_string(),
            total,
            done: 0,
            started: Instant::now(),
            live: std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, event: &Event) {
        let finished = ["_COMPLETE", "_SKIPPED"]
            .iter()
            .any(|end| event.status.ends_with(end));
        if !event.is_stack && finished {
            self.done += 1;
        }
        let mut line = format!(
            "{:>5}s  {:<28} {:<36} {}",
            self.started.elapsed().as_secs(),
            event.status,
            event.logical_id,
            event.resource_type
        );
        if let Some(reason) = &event.reason {
            line.push_str(&format!("  {reason}"));
        }
        let mut stderr = std::io::stderr().lock();
        if self.live {
            // Clear the status line, print the event, draw the status line again.
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = writeln!(stderr, "{line}");
        drop(stderr);
        self.tick();
    }

    fn tick(&self) {
        if !self.live {
            return;
        }
        let count = match self.total {
            Some(total) => format!("{}/{total} resources", self.done.min(total)),
            None => format!("{} resources", self.done),
        };
        let _ = write!(
            std::io::stderr().lock(),
            "\r\x1b[2K{} {}: {count}, {} s",
            self.verb,
            self.stack,
            self.started.elapsed().as_secs()
        );
    }

    fn finish(&self) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    /// Seconds since the operation started.
    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, status: &str, reason: Option<&str>) -> Event {
        Event {
            logical_id: id.into(),
            resource_type: if id == "stack" {
                STACK_TYPE
            } else {
                "AWS::Lambda::Function"
            }
            .into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            is_stack: id == "stack",
        }
    }

    #[test]
    fn failures_name_the_cause_first_and_skip_collateral() {
        let outcome = Outcome {
            status: "ROLLBACK_COMPLETE".into(),
            events: vec![
                event("stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
                event(
                    "MainFunc",
                    "CREATE_FAILED",
                    Some(
                        "Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey\"",
                    ),
                ),
                event(
                    "Drain",
                    "CREATE_FAILED",
                    Some("Resource creation cancelled"),
                ),
                event(
                    "stack",
                    "ROLLBACK_COMPLETE",
                    Some("The following resource(s) failed to create: [MainFunc, Drain]."),
                ),
            ],
        };
        assert!(!outcome.succeeded());
        let failures = outcome.failures();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(
            failures[0]
                .starts_with("MainFunc (AWS::Lambda::Function) CREATE_FAILED: Resource handler")
        );
    }

    #[test]
    fn a_stack_level_failure_without_failed_resources_is_shown() {
        let outcome = Outcome {
            status: "UPDATE_ROLLBACK_COMPLETE".into(),
            events: vec![event(
                "stack",
                "UPDATE_ROLLBACK_IN_PROGRESS",
                Some("Parameter validation failed"),
            )],
        };
        assert_eq!(
            outcome.failures(),
            vec!["stack: Parameter validation failed"]
        );
    }

    #[test]
    fn only_the_stack_event_ends_the_operation() {
        assert!(event("stack", "UPDATE_COMPLETE", None).ends_operation());
        assert!(!event("stack", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None).ends_operation());
        assert!(!event("MainFunc", "UPDATE_COMPLETE", None).ends_operation());
    }
}
