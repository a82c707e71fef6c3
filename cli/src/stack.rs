//! The deployed stack: its physical names, read from the stack's outputs
//! (so the CLI follows whatever the stack created or reused).

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use slips::error_table::DynamoErrorTable;
use slips::event::Lane;
use slips::lanes::KinesisLanes;

/// Output names of the stack (the template writes them).
pub mod output {
    pub const FAST_STREAM: &str = "FastStreamName";
    pub const SLOW_STREAM: &str = "SlowStreamName";
    pub const ERROR_TABLE: &str = "ErrorTableName";
    pub const DRAIN_FUNCTION: &str = "DrainFunction";
    pub const FAST_DISPATCHER: &str = "FastDispatcherFunction";
    pub const SLOW_DISPATCHER: &str = "SlowDispatcherFunction";
    pub const FAST_MAPPING: &str = "FastEventSourceMapping";
    pub const SLOW_MAPPING: &str = "SlowEventSourceMapping";
}

/// A deployed stack's outputs and the SDK configuration to reach it.
pub struct Deployed {
    pub stack: String,
    pub sdk: aws_config::SdkConfig,
    outputs: HashMap<String, String>,
}

impl Deployed {
    /// Reads the outputs of the stack `name`.
    pub async fn resolve(name: &str) -> anyhow::Result<Deployed> {
        let sdk = slips::aws::sdk_config().await;
        let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
        let described = cloudformation
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| anyhow!("{}", aws_sdk_cloudformation::error::DisplayErrorContext(e)))
            .with_context(|| {
                format!("reading stack {name} (is it deployed? `slips deploy` creates it)")
            })?;
        let stack = described
            .stacks()
            .first()
            .with_context(|| format!("stack {name} not found"))?;
        let outputs = stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect();
        Ok(Deployed {
            stack: name.to_string(),
            sdk,
            outputs,
        })
    }

    pub fn output(&self, key: &str) -> anyhow::Result<&str> {
        self.outputs.get(key).map(String::as_str).with_context(|| {
            format!(
                "stack {} has no output {key} (deployed by an older slips? deploy again)",
                self.stack
            )
        })
    }

    pub fn error_table(&self) -> anyhow::Result<DynamoErrorTable> {
        Ok(DynamoErrorTable::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            self.output(output::ERROR_TABLE)?.to_string(),
        ))
    }

    pub fn lanes(&self) -> anyhow::Result<KinesisLanes> {
        Ok(KinesisLanes::new(
            aws_sdk_kinesis::Client::new(&self.sdk),
            self.output(output::FAST_STREAM)?.to_string(),
            self.output(output::SLOW_STREAM)?.to_string(),
        ))
    }

    pub fn dispatcher(&self, lane: Lane) -> anyhow::Result<&str> {
        self.output(match lane {
            Lane::Fast => output::FAST_DISPATCHER,
            Lane::Slow => output::SLOW_DISPATCHER,
        })
    }

    pub fn mapping(&self, lane: Lane) -> anyhow::Result<&str> {
        self.output(match lane {
            Lane::Fast => output::FAST_MAPPING,
            Lane::Slow => output::SLOW_MAPPING,
        })
    }
}
