//! The deployed stack: its physical names, read from the stack's outputs
//! (so the CLI follows whatever the stack created or reused). A name missing
//! from the outputs is taken from the stack's resource that the output would
//! reference: a stack deployed by an older slips, or an emulator such as
//! moto, which computes no outputs for stacks made through change sets.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use slips::error_table::DynamoErrorTable;
use slips::event::Lane;
use slips::failures::SqsFailureQueue;
use slips::lanes::KinesisLanes;
use slips_templates::names::{Function, id, output};

/// A deployed stack's outputs and the SDK configuration to reach it.
pub struct Deployed {
    pub stack: String,
    pub sdk: aws_config::SdkConfig,
    outputs: HashMap<String, String>,
    /// Physical ids by logical id; read only when an output is missing.
    resources: HashMap<String, String>,
}

/// The logical id of the resource whose physical id (its `Ref`) is the value
/// of the output `key`, for the outputs whose value is such a `Ref`.
fn resource_of_output(key: &str) -> Option<&'static str> {
    Function::ALL
        .into_iter()
        .find(|f| f.output() == key)
        .map(Function::logical_id)
        .or_else(|| {
            Lane::ALL.into_iter().find_map(|lane| {
                if key == output::stream_name(lane) {
                    Some(id::stream(lane))
                } else if key == output::event_source_mapping(lane) {
                    Some(id::event_source(lane))
                } else {
                    None
                }
            })
        })
        .or(match key {
            output::ERROR_TABLE_NAME => Some(id::ERROR_TABLE),
            output::DLQ_TOPIC_ARN => Some(id::DLQ_TOPIC),
            output::DASHBOARD_NAME => Some(id::DASHBOARD),
            _ => None,
        })
}

/// Whether CloudFormation answered that the stack does not exist (its
/// `ValidationError` for DescribeStacks of an unknown name).
pub fn no_such_stack(error: &impl ProvideErrorMetadata) -> bool {
    error.code() == Some("ValidationError")
        && error
            .message()
            .is_some_and(|m| m.contains("does not exist"))
}

impl Deployed {
    /// Reads the outputs of the stack `name`.
    pub async fn resolve(name: &str) -> anyhow::Result<Deployed> {
        let sdk = slips::aws::connect().await?;
        let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let not_deployed =
            || anyhow!("the stack {name} is not deployed in {region} (`slips deploy` creates it)");
        let described = match cloudformation
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
        {
            Ok(described) => described,
            Err(error) if no_such_stack(&error) => return Err(not_deployed()),
            Err(error) => {
                return Err(slips::aws::sdk_error(error))
                    .with_context(|| format!("reading stack {name}"));
            }
        };
        let stack = described.stacks().first().ok_or_else(not_deployed)?;
        let outputs: HashMap<String, String> = stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect();
        let complete = Function::ALL
            .map(Function::output)
            .into_iter()
            .chain(Lane::ALL.map(output::stream_name))
            .chain(Lane::ALL.map(output::event_source_mapping))
            .chain([output::ERROR_TABLE_NAME])
            .all(|key| outputs.contains_key(key));
        let mut resources = HashMap::new();
        if !complete {
            let mut pages = cloudformation
                .list_stack_resources()
                .stack_name(name)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page
                    .map_err(slips::aws::sdk_error)
                    .with_context(|| format!("listing the resources of stack {name}"))?;
                resources.extend(page.stack_resource_summaries().iter().filter_map(|r| {
                    Some((
                        r.logical_resource_id()?.to_string(),
                        r.physical_resource_id()
                            .filter(|p| !p.is_empty())?
                            .to_string(),
                    ))
                }));
            }
        }
        Ok(Deployed {
            stack: name.to_string(),
            sdk,
            outputs,
            resources,
        })
    }

    pub fn output(&self, key: &str) -> anyhow::Result<&str> {
        let from_resource = || self.resources.get(resource_of_output(key)?);
        self.outputs
            .get(key)
            .or_else(from_resource)
            .map(String::as_str)
            .with_context(|| {
                format!(
                    "stack {} has no output {key} (deployed by an older slips? deploy again)",
                    self.stack
                )
            })
    }

    pub fn error_table(&self) -> anyhow::Result<DynamoErrorTable> {
        Ok(DynamoErrorTable::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            self.output(output::ERROR_TABLE_NAME)?.to_string(),
        ))
    }

    pub fn lanes(&self) -> anyhow::Result<KinesisLanes> {
        Ok(KinesisLanes::new(
            aws_sdk_kinesis::Client::new(&self.sdk),
            self.output(output::stream_name(Lane::Fast))?.to_string(),
            self.output(output::stream_name(Lane::Slow))?.to_string(),
        ))
    }

    /// The failure queue: by its ARN output, or (a stack without outputs)
    /// the queue resource, whose physical id is its URL.
    pub async fn failure_queue(&self) -> anyhow::Result<SqsFailureQueue> {
        let client = SqsFailureQueue::client(&self.sdk);
        match self.outputs.get(output::FAILURE_QUEUE_ARN) {
            Some(arn) => SqsFailureQueue::from_arn(client, arn).await,
            None => {
                let url = self.resources.get(id::FAILURE_QUEUE).with_context(|| {
                    format!(
                        "stack {} has no output {} (deployed by an older slips? deploy again)",
                        self.stack,
                        output::FAILURE_QUEUE_ARN
                    )
                })?;
                Ok(SqsFailureQueue::new(client, url.clone()))
            }
        }
    }

    pub fn dispatcher(&self, lane: Lane) -> anyhow::Result<&str> {
        self.output(Function::dispatcher(lane).output())
    }

    pub fn mapping(&self, lane: Lane) -> anyhow::Result<&str> {
        self.output(output::event_source_mapping(lane))
    }
}
