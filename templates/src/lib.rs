//! The CloudFormation template of a slips pipeline: a validated
//! [`Config`] in, a [`Template`] out.
//!
//! Pure: no I/O and no AWS calls; deterministic: the same config renders the
//! same bytes. Plain CloudFormation (no SAM transform), so any CloudFormation
//! client can deploy it; the code zip's location comes in as the parameters
//! `CodeBucket` and `CodeKey`. [`names`] holds everything a reader of the
//! deployed stack relies on: logical IDs, outputs, and the functions'
//! environment.
//!
//! ```
//! # fn config() -> slips_contract::config::Config {
//! #     serde_json::from_value(serde_json::json!({
//! #         "stack_name": "logs",
//! #         "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
//! #         "handler": {"path": "handler"},
//! #         "bucket_mapping": {"my-logs": [{"prefix": "", "format": ["s3-lines", "json"]}]},
//! #     })).unwrap()
//! # }
//! let template = slips_templates::render(&config())?;
//! assert!(template.to_yaml()?.contains("EventFastStream"));
//! # Ok::<(), slips_templates::RenderError>(())
//! ```

mod backend;
mod cfn;
mod functions;
mod iam;
pub mod limits;
mod observability;
mod outputs;
mod wiring;
mod yaml;

use serde_json::{Value, json};
use slips_contract::config::Config;

pub use slips_contract::names;

pub use iam::RESOURCELESS_ACTIONS;
pub use names::Function;
pub use wiring::DISPATCH_RETRIES;

use cfn::Resources;
use names::parameter;

/// Why a config could not be rendered. A config that passed
/// `slips::config::load` fails only on limits of the rendered template.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{field}: {message}")]
    Config { field: String, message: String },
    #[error(
        "{function}'s IAM policy would be about {chars} characters, over IAM's limit of {limit} \
         for a role's inline policies: map fewer prefixes (a shorter prefix covers the longer \
         ones under it), or give handler.role_arn"
    )]
    PolicyTooLarge {
        function: &'static str,
        chars: usize,
        limit: usize,
    },
    #[error(
        "the template would hold {count} resources, over CloudFormation's limit of {limit}: \
         use fewer backend.sns_topics"
    )]
    TooManyResources { count: usize, limit: usize },
    #[error("cannot write the template as YAML: {0}")]
    Yaml(String),
}

/// How a template is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// A rendered CloudFormation template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    value: Value,
}

impl Template {
    /// The template as JSON data, e.g. to inspect its resources.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Pretty-printed JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.value)
            .unwrap_or_else(|_| unreachable!("a serde_json::Value always serializes"));
        text.push('\n');
        text
    }

    /// YAML.
    pub fn to_yaml(&self) -> Result<String, RenderError> {
        yaml::to_string(&self.value).map_err(RenderError::Yaml)
    }

    /// The template in `format`.
    pub fn to_text(&self, format: Format) -> Result<String, RenderError> {
        match format {
            Format::Yaml => self.to_yaml(),
            Format::Json => Ok(self.to_json()),
        }
    }
}

/// Renders the stack of a validated config.
pub fn render(config: &Config) -> Result<Template, RenderError> {
    let mut resources = Resources::default();
    let backend = backend::build(config, &mut resources)?;
    for function in Function::ALL {
        let role = iam::role(config, &backend, function, &mut resources)?;
        functions::build(config, &backend, function, role, &mut resources);
    }
    iam::main_hand_back(config, &mut resources);
    wiring::build(config, &backend, &mut resources)?;
    observability::build(config, &backend, &mut resources);
    if resources.len() > limits::MAX_RESOURCES {
        return Err(RenderError::TooManyResources {
            count: resources.len(),
            limit: limits::MAX_RESOURCES,
        });
    }

    let description = config
        .description
        .clone()
        .unwrap_or_else(|| format!("slips pipeline {}", config.stack_name));
    let (resources, conditions) = resources.into_sections();
    let mut value = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": {
            parameter::CODE_BUCKET: {
                "Type": "String",
                "MinLength": 1,
                "Description": "S3 bucket holding the code zip (slips deploy uploads it)",
            },
            parameter::CODE_KEY: {
                "Type": "String",
                "MinLength": 1,
                "Description": "S3 key of the code zip: the handler binary as `bootstrap`, and slips.json",
            },
        },
        "Resources": resources,
        "Outputs": outputs::build(&backend),
    });
    if conditions.as_object().is_some_and(|c| !c.is_empty()) {
        value["Conditions"] = conditions;
    }
    Ok(Template { value })
}
