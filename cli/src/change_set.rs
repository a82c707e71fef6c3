//! Creating or updating a stack through a change set: the stack's state
//! decides the change set's type (passed explicitly), the change set is
//! waited for, its changes read, and "no changes" recognised as success in
//! both forms CloudFormation gives it (a FAILED change set with a reason, or
//! an error from CreateChangeSet).

use std::time::Duration;

use anyhow::{Context, bail};
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter};
use serde_json::Value;

/// How often a change set or stack is polled while CloudFormation works.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// What CloudFormation says of a change set or update that changes nothing.
const NO_CHANGES: [&str; 2] = ["didn't contain changes", "No updates are to be performed"];

/// A stack as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackState {
    /// The stack id (an ARN): unlike the name, it still finds a deleted stack.
    pub id: String,
    /// Its status, e.g. `UPDATE_COMPLETE`.
    pub status: String,
}

/// Reads the stack `name`; `None` when there is no such stack.
pub async fn existing(cloudformation: &Client, name: &str) -> anyhow::Result<Option<StackState>> {
    let described = match cloudformation
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
    {
        Ok(described) => described,
        Err(error) if crate::stack::no_such_stack(&error) => return Ok(None),
        Err(error) => {
            return Err(slips::aws::sdk_error(error))
                .with_context(|| format!("reading stack {name}"));
        }
    };
    let Some(stack) = described.stacks().first() else {
        return Ok(None);
    };
    Ok(Some(StackState {
        id: stack.stack_id().unwrap_or(name).to_string(),
        status: stack
            .stack_status()
            .map_or("UNKNOWN", |s| s.as_str())
            .to_string(),
    }))
}

/// Whether the change set creates the stack or updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Create,
    Update,
}

impl Kind {
    /// The change set type for a stack in `state`, or why it cannot change now.
    pub fn for_stack(name: &str, state: Option<&StackState>) -> anyhow::Result<Kind> {
        let Some(state) = state else {
            return Ok(Kind::Create);
        };
        match state.status.as_str() {
            // A stack that only ever had change sets (a dry run, an
            // interrupted first deploy) has no resources: it is still created.
            "REVIEW_IN_PROGRESS" => Ok(Kind::Create),
            "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED" => bail!(
                "stack {name} is {}: its creation failed and it cannot be updated. See why in \
                 its events (CloudFormation console), delete it with `slips destroy`, then deploy \
                 again",
                state.status
            ),
            "DELETE_FAILED" => bail!(
                "stack {name} is DELETE_FAILED: finish deleting it with `slips destroy` first"
            ),
            status if status.ends_with("_IN_PROGRESS") => {
                bail!("stack {name} is busy ({status}): wait until it finishes, then deploy again")
            }
            _ => Ok(Kind::Update),
        }
    }

    fn change_set_type(self) -> ChangeSetType {
        match self {
            Kind::Create => ChangeSetType::Create,
            Kind::Update => ChangeSetType::Update,
        }
    }
}

/// Where the template comes from.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// Inline (`TemplateBody`).
    Body(String),
    /// An S3 URL (`TemplateURL`), for templates over the inline limit.
    Url(String),
}

/// A change set to create.
#[derive(Debug, Clone)]
pub struct Request {
    pub stack_name: String,
    pub kind: Kind,
    pub template: TemplateSource,
    /// The template's parameters, name → value.
    pub parameters: Vec<(String, String)>,
    pub capabilities: Vec<Capability>,
    /// Shown with the change set (e.g. what made it).
    pub description: String,
}

/// One resource the change set adds, modifies or removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `Add`, `Modify`, `Remove`, ...
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// For `Modify`: `True`, `False` or `Conditional`.
    pub replacement: Option<String>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<7} {:<36} {}",
            self.action, self.logical_id, self.resource_type
        )?;
        match self.replacement.as_deref() {
            Some("True") => write!(f, "  (replaced)"),
            Some("Conditional") => write!(f, "  (may be replaced)"),
            _ => Ok(()),
        }
    }
}

/// A change set ready to execute.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub id: String,
    pub stack_id: String,
    pub changes: Vec<Change>,
}

/// What creating a change set came to.
#[derive(Debug)]
pub enum Prepared {
    /// The stack already is what the template says.
    NoChanges,
    Ready(ChangeSet),
}

/// Creates the change set, waits until CloudFormation has computed it and
/// reads its changes. A change set that changes nothing is deleted.
pub async fn create(cloudformation: &Client, request: &Request) -> anyhow::Result<Prepared> {
    let name = format!("slips-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ"));
    let parameters = request
        .parameters
        .iter()
        .map(|(key, value)| {
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build()
        })
        .collect();
    let mut call = cloudformation
        .create_change_set()
        .stack_name(&request.stack_name)
        .change_set_name(&name)
        .change_set_type(request.kind.change_set_type())
        .set_parameters(Some(parameters))
        .set_capabilities(Some(request.capabilities.clone()))
        .description(&request.description);
    call = match &request.template {
        TemplateSource::Body(body) => call.template_body(body),
        TemplateSource::Url(url) => call.template_url(url),
    };
    let created = match call.send().await {
        Ok(created) => created,
        Err(error) if is_no_changes(error.message()) => return Ok(Prepared::NoChanges),
        Err(error) => {
            return Err(slips::aws::sdk_error(error)).with_context(|| {
                format!("creating a change set for stack {}", request.stack_name)
            });
        }
    };
    let id = created
        .id()
        .context("CreateChangeSet answered without a change set id")?
        .to_string();
    let stack_id = created
        .stack_id()
        .unwrap_or(&request.stack_name)
        .to_string();
    tracing::debug!(change_set = id, "change set created");

    loop {
        let (status, reason, changes) = describe(cloudformation, &id).await?;
        match status {
            ChangeSetStatus::CreateComplete => {
                return Ok(Prepared::Ready(ChangeSet {
                    id,
                    stack_id,
                    changes,
                }));
            }
            ChangeSetStatus::Failed if is_no_changes(reason.as_deref()) => {
                delete(cloudformation, &id).await?;
                return Ok(Prepared::NoChanges);
            }
            ChangeSetStatus::Failed => bail!(
                "CloudFormation refused the change set for stack {}: {}",
                request.stack_name,
                reason.as_deref().unwrap_or("no reason given")
            ),
            ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress => {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
            other => bail!(
                "change set {id} is {} while it was being created",
                other.as_str()
            ),
        }
    }
}

fn is_no_changes(message: Option<&str>) -> bool {
    message.is_some_and(|m| NO_CHANGES.iter().any(|text| m.contains(text)))
}

/// The change set's status, status reason and changes (every page).
async fn describe(
    cloudformation: &Client,
    id: &str,
) -> anyhow::Result<(ChangeSetStatus, Option<String>, Vec<Change>)> {
    let mut changes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cloudformation
            .describe_change_set()
            .change_set_name(id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("reading change set {id}"))?;
        changes.extend(page.changes().iter().filter_map(|change| {
            let resource = change.resource_change()?;
            Some(Change {
                action: resource.action().map_or("?", |a| a.as_str()).to_string(),
                logical_id: resource.logical_resource_id().unwrap_or("?").to_string(),
                resource_type: resource.resource_type().unwrap_or("?").to_string(),
                replacement: resource.replacement().map(|r| r.as_str().to_string()),
            })
        }));
        let status = page
            .status()
            .cloned()
            .with_context(|| format!("change set {id} has no status"))?;
        let reason = page.status_reason().map(str::to_string);
        match page.next_token() {
            Some(next) if status == ChangeSetStatus::CreateComplete => {
                token = Some(next.to_string())
            }
            _ => return Ok((status, reason, changes)),
        }
    }
}

/// Starts executing the change set (the stack's events tell how it goes).
pub async fn execute(cloudformation: &Client, change_set: &ChangeSet) -> anyhow::Result<()> {
    cloudformation
        .execute_change_set()
        .change_set_name(&change_set.id)
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| format!("executing change set {}", change_set.id))?;
    Ok(())
}

/// Deletes a change set that will not be executed.
pub async fn delete(cloudformation: &Client, id: &str) -> anyhow::Result<()> {
    cloudformation
        .delete_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| format!("deleting change set {id}"))?;
    Ok(())
}

/// The capabilities a template needs: `CAPABILITY_NAMED_IAM` when it names
/// an IAM resource, `CAPABILITY_IAM` when it has IAM resources, none
/// otherwise (a config that gives every role creates none).
pub fn capabilities(template: &Value) -> Vec<Capability> {
    /// The properties that give an IAM resource a custom name.
    const NAME_PROPERTIES: [&str; 6] = [
        "RoleName",
        "UserName",
        "GroupName",
        "ManagedPolicyName",
        "InstanceProfileName",
        "PolicyName",
    ];
    let mut iam = false;
    let mut named = false;
    let resources = template["Resources"].as_object().into_iter().flatten();
    for (_, resource) in resources {
        let is_iam = resource["Type"]
            .as_str()
            .is_some_and(|t| t.starts_with("AWS::IAM::"));
        if !is_iam {
            continue;
        }
        iam = true;
        let kind = resource["Type"].as_str().unwrap_or_default();
        // An inline policy's PolicyName names nothing outside its role.
        named |= kind != "AWS::IAM::Policy"
            && NAME_PROPERTIES
                .iter()
                .any(|p| resource["Properties"].get(p).is_some());
    }
    match (iam, named) {
        (_, true) => vec![Capability::CapabilityNamedIam],
        (true, false) => vec![Capability::CapabilityIam],
        (false, false) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(status: &str) -> StackState {
        StackState {
            id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            status: status.into(),
        }
    }

    #[test]
    fn the_stack_state_decides_the_kind() {
        assert_eq!(Kind::for_stack("s", None).ok(), Some(Kind::Create));
        let create = Kind::for_stack("s", Some(&state("REVIEW_IN_PROGRESS")));
        assert_eq!(create.ok(), Some(Kind::Create));
        for status in [
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
        ] {
            assert_eq!(
                Kind::for_stack("s", Some(&state(status))).ok(),
                Some(Kind::Update)
            );
        }
        let error = Kind::for_stack("s", Some(&state("ROLLBACK_COMPLETE"))).unwrap_err();
        assert!(error.to_string().contains("slips destroy"), "{error}");
        let error = Kind::for_stack("s", Some(&state("UPDATE_IN_PROGRESS"))).unwrap_err();
        assert!(
            error.to_string().contains("busy (UPDATE_IN_PROGRESS)"),
            "{error}"
        );
    }

    #[test]
    fn no_changes_in_both_wordings() {
        assert!(is_no_changes(Some(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        )));
        assert!(is_no_changes(Some("No updates are to be performed.")));
        assert!(!is_no_changes(Some("Template format error")));
        assert!(!is_no_changes(None));
    }

    #[test]
    fn capabilities_follow_the_iam_resources() {
        let unnamed = json!({"Resources": {
            "R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p"}]}},
            "P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p"}},
        }});
        assert_eq!(capabilities(&unnamed), vec![Capability::CapabilityIam]);
        let named = json!({"Resources": {
            "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}},
        }});
        assert_eq!(capabilities(&named), vec![Capability::CapabilityNamedIam]);
        let none = json!({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}});
        assert!(capabilities(&none).is_empty());
    }
}
