//! `slips deploy`: builds and checks the handler, uploads the code zip under
//! a content-hash key, and creates or updates the stack through a change set,
//! following its events until it ends. `--dry-run` shows the template and
//! the changes and changes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use slips::config::{Config, Sam};
use slips_templates::names::parameter;
use slips_templates::{Format, Template};

use crate::artifacts::{self, Uploaded};
use crate::change_set::{self, Kind, Prepared, Request, TemplateSource};
use crate::code_zip::{CodeZip, key_prefix};
use crate::commands::package::{self, BinaryArgs, megabytes};
use crate::lambda_binary;
use crate::stack_events::{Progress, Watch};

/// Options of `slips deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// Print the template and the change set's changes, then delete the
    /// change set: nothing is uploaded but a large template, nothing changes.
    #[arg(long)]
    dry_run: bool,
    /// Deploy this zip made by `slips package` instead of building the handler.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["debug", "binary"])]
    package: Option<PathBuf>,
    #[command(flatten)]
    binary: BinaryArgs,
}

pub fn run(args: DeployArgs) -> anyhow::Result<ExitCode> {
    let Some(loaded) = package::load(&args.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let config = loaded.config;
    // Everything that can be told without AWS or a build, first.
    let sam = code_location(&config, &args.config)?;
    let template = slips_templates::render(&config)
        .with_context(|| format!("rendering the template of {}", args.config.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Then everything AWS can refuse, before minutes of building.
    let aws = runtime.block_on(Preflight::check(&config, sam, args.dry_run))?;
    let zip = match &args.package {
        Some(file) => read_package(file, &config)?,
        None => package::package(&config, &args.binary)?,
    };
    runtime.block_on(deploy(&aws, &config, sam, &template, &zip, args.dry_run))?;
    Ok(ExitCode::SUCCESS)
}

/// What deploy learnt from AWS before building: who deploys where, and the
/// clients it goes on with.
struct Preflight {
    region: String,
    s3: aws_sdk_s3::Client,
    cloudformation: aws_sdk_cloudformation::Client,
}

impl Preflight {
    /// Region and credentials set, the caller known to AWS, the code bucket
    /// there, in the stack's region and writable, the stack in a state that
    /// can be deployed.
    async fn check(config: &Config, sam: &Sam, dry_run: bool) -> anyhow::Result<Preflight> {
        let sdk = slips::aws::connect().await?;
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let identity = aws_sdk_sts::Client::new(&sdk)
            .get_caller_identity()
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .context("asking AWS who these credentials are (sts:GetCallerIdentity)")?;
        eprintln!(
            "deploying as {} (account {}) to {region}",
            identity.arn().unwrap_or("?"),
            identity.account().unwrap_or("?")
        );
        let s3 = slips::aws::s3_client(&sdk);
        let bucket = &sam.code_bucket;
        let location = s3
            .get_bucket_location()
            .bucket(bucket)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| {
                format!("sam.code_bucket: reading the bucket {bucket} (does it exist, and may you read it?)")
            })?;
        // S3 says no region for us-east-1 (GetBucketLocation's LocationConstraint).
        let bucket_region = location
            .location_constraint()
            .map(|c| c.as_str())
            .filter(|c| !c.is_empty())
            .unwrap_or("us-east-1");
        if bucket_region != region && sdk.endpoint_url().is_none() {
            bail!(
                "sam.code_bucket: the bucket {bucket} is in {bucket_region}, the stack goes to \
                 {region}: Lambda takes code only from a bucket in its own region"
            );
        }
        if !dry_run {
            // A key of its own, overwritten each time: no delete permission needed.
            let key = format!(
                "{}{}/.slips-write-check",
                key_prefix(&sam.code_prefix),
                config.stack_name
            );
            s3.put_object()
                .bucket(bucket)
                .key(&key)
                .body(aws_sdk_s3::primitives::ByteStream::from_static(
                    b"slips deploy can write here\n",
                ))
                .send()
                .await
                .map_err(slips::aws::sdk_error)
                .with_context(|| format!("sam.code_bucket: writing s3://{bucket}/{key}"))?;
        }
        check_intake_queues(&sdk, config, &region).await?;
        check_failure_queue(&sdk, config).await?;
        let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
        let before = change_set::existing(&cloudformation, &config.stack_name).await?;
        Kind::for_stack(&config.stack_name, before.as_ref())?;
        Ok(Preflight {
            region,
            s3,
            cloudformation,
        })
    }
}

/// What an intake queue needs for its event source mapping, checked before
/// the build: in the stack's region (an event source mapping reads no
/// other), a visibility timeout of at least EventPusher's timeout (Lambda
/// refuses the mapping otherwise, and the stack fails). A queue without a
/// redrive policy is worth a warning: a message EventPusher cannot push
/// would come back until the queue's retention ends. A queue these
/// credentials may not read is said and left to CloudFormation.
async fn check_intake_queues(
    sdk: &aws_config::SdkConfig,
    config: &Config,
    region: &str,
) -> anyhow::Result<()> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    for (i, queue) in config.backend.sqs_queues.iter().enumerate() {
        let field = format!("backend.sqs_queues[{i}]");
        let arn = slips::config::Arn::parse(&queue.arn)
            .map_err(|message| anyhow::anyhow!("{field}.arn: {message}"))?;
        if arn.region != region && sdk.endpoint_url().is_none() {
            bail!(
                "{field}.arn: the queue is in {}, the stack goes to {region}: Lambda reads \
                 only queues of its own region",
                arn.region
            );
        }
        let Some(url) = queue_url(&sqs, &arn, &queue.arn, &format!("{field}.arn")).await? else {
            continue;
        };
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("{field}: reading the attributes of {}", queue.arn))?;
        let attribute = |name| attributes.attributes().and_then(|a| a.get(&name)).cloned();
        let visibility: u32 = attribute(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let needed = slips::names::EVENT_PUSHER_TIMEOUT_SECONDS;
        if visibility < needed {
            bail!(
                "{field}: the queue's visibility timeout is {visibility} s; Lambda reads a queue \
                 only if it is at least EventPusher's timeout, {needed} s (AWS advises 6 times: \
                 set it to {} s)",
                6 * needed
            );
        }
        if attribute(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy).is_none() {
            eprintln!(
                "warning: {field}: the queue has no redrive policy: a message EventPusher cannot \
                 push comes back until the queue's retention ends; give it one to the stack's \
                 failure queue (output FailureQueueArn, maxReceiveCount 5 or more) so `slips \
                 drain` can replay it"
            );
        }
    }
    Ok(())
}

/// A failure queue the config names must hold what reaches it, or that is
/// lost: SQS refuses a message over the queue's maximum size, and SNS and
/// Lambda then drop it. Its largest message, a Reporter's dead letter
/// wrapping one of Main's, is over SQS's default of 256 KiB. A retention
/// shorter than the 14 days the stack's own queue keeps (and `slips errors`
/// warns against) is worth a warning.
async fn check_failure_queue(sdk: &aws_config::SdkConfig, config: &Config) -> anyhow::Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName;
    use slips_templates::limits::{
        MAX_FAILURE_MESSAGE_BYTES, MAX_SQS_MESSAGE_BYTES, MAX_SQS_RETENTION_SECONDS,
    };
    let Some(text) = &config.backend.failure_queue_arn else {
        return Ok(());
    };
    let field = "backend.failure_queue_arn";
    let arn =
        slips::config::Arn::parse(text).map_err(|message| anyhow::anyhow!("{field}: {message}"))?;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let Some(url) = queue_url(&sqs, &arn, text, field).await? else {
        return Ok(());
    };
    let attributes = match sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::MaximumMessageSize)
        .attribute_names(QueueAttributeName::MessageRetentionPeriod)
        .send()
        .await
    {
        Ok(attributes) => attributes,
        // A queue of another account may be sent to but not read: left to
        // CloudFormation, as when its URL may not be looked up.
        Err(error) => {
            let line = slips::aws::sdk_error(error);
            eprintln!("warning: {field}: not checked ({line})");
            return Ok(());
        }
    };
    let number = |name| -> Option<u32> {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse().ok())
    };
    if let Some(size) = number(QueueAttributeName::MaximumMessageSize)
        && (size as usize) < MAX_FAILURE_MESSAGE_BYTES
    {
        bail!(
            "{field}: the queue takes messages of at most {size} bytes, but what reaches it can \
             be {MAX_FAILURE_MESSAGE_BYTES} bytes (a Reporter's dead letter wrapping one of \
             Main's), and SQS refuses a larger one, which is then lost: set its \
             MaximumMessageSize to {MAX_SQS_MESSAGE_BYTES}"
        );
    }
    if let Some(retention) = number(QueueAttributeName::MessageRetentionPeriod)
        && retention < MAX_SQS_RETENTION_SECONDS
    {
        eprintln!(
            "warning: {field}: the queue keeps messages {:.1} days; what waits there longer \
             is lost before `slips drain` replays it: set its MessageRetentionPeriod to \
             {MAX_SQS_RETENTION_SECONDS} (14 days)",
            f64::from(retention) / 86_400.0
        );
    }
    Ok(())
}

/// The URL of the queue `arn` (written `text`, named `field` in the config),
/// or `None` (said as a warning) when these credentials may not look it up:
/// CloudFormation, with the stack's rights, is left to find out.
async fn queue_url(
    sqs: &aws_sdk_sqs::Client,
    arn: &slips::config::Arn<'_>,
    text: &str,
    field: &str,
) -> anyhow::Result<Option<String>> {
    match sqs
        .get_queue_url()
        .queue_name(arn.resource)
        .queue_owner_aws_account_id(arn.account)
        .send()
        .await
    {
        Ok(found) => Ok(Some(found.queue_url.unwrap_or_default())),
        Err(error) => {
            let denied = error
                .as_service_error()
                .and_then(|e| aws_sdk_sqs::error::ProvideErrorMetadata::code(e))
                .is_some_and(|code| code.contains("AccessDenied"));
            let line = slips::aws::sdk_error(error);
            if denied {
                eprintln!("warning: {field}: not checked ({line})");
                return Ok(None);
            }
            Err(line.context(format!(
                "{field}: reading the queue {text} (does it exist?)"
            )))
        }
    }
}

/// `sam.code_bucket` and `sam.code_prefix`, which deploy cannot do without.
fn code_location<'a>(config: &'a Config, file: &Path) -> anyhow::Result<&'a Sam> {
    match &config.sam {
        Some(sam) if !sam.code_bucket.trim().is_empty() => Ok(sam),
        _ => bail!(
            "{}: sam.code_bucket is not set: `slips deploy` uploads the code zip to an S3 bucket \
             you can write to. Add it to the config:\n\nsam:\n  code_bucket: my-artifacts-bucket\n  \
             code_prefix: functions",
            file.display()
        ),
    }
}

/// A zip from `slips package`: its binary checked again, its config the one deployed.
fn read_package(file: &Path, config: &Config) -> anyhow::Result<CodeZip> {
    let what = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("reading {what}"))?;
    let zip = CodeZip::from_bytes(bytes);
    let contents = zip.contents(&what)?;
    lambda_binary::check(
        &contents.bootstrap,
        &format!("bootstrap in {what}"),
        config.functions.architecture,
    )?;
    let mut packaged: Config = serde_json::from_value(contents.config).with_context(|| {
        format!("slips.json in {what} is not a config this slips reads: package it again")
    })?;
    // The handler's path is where it was built, which may be another machine.
    packaged.handler.path = config.handler.path.clone();
    if &packaged != config {
        let ours = serde_json::to_value(config)?;
        let theirs = serde_json::to_value(&packaged)?;
        let mut keys: Vec<&str> = Vec::new();
        let all = ours.as_object().into_iter().chain(theirs.as_object());
        for key in all.flat_map(|o| o.keys().map(String::as_str)) {
            if ours.get(key) != theirs.get(key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
        bail!(
            "{what} was packaged from another config (it differs in {}): the functions would run \
             with a config the template does not match. Package it again with `slips package`",
            keys.join(", ")
        );
    }
    Ok(zip)
}

async fn deploy(
    aws: &Preflight,
    config: &Config,
    sam: &Sam,
    template: &Template,
    zip: &CodeZip,
    dry_run: bool,
) -> anyhow::Result<()> {
    let stack = config.stack_name.as_str();
    let Preflight {
        region,
        s3,
        cloudformation,
    } = aws;

    let key = zip.key(&sam.code_prefix, stack);
    let url = format!("s3://{}/{key}", sam.code_bucket);
    if dry_run {
        eprintln!("code zip {} would go to {url}", megabytes(zip.bytes.len()));
    } else {
        match artifacts::upload_if_absent(s3, &sam.code_bucket, &key, &zip.bytes).await? {
            Uploaded::New => eprintln!("uploaded {url} ({})", megabytes(zip.bytes.len())),
            Uploaded::AlreadyThere => eprintln!("{url} is already there"),
        }
    }

    let body = serde_json::to_string(template.value())?;
    let source = if body.len() > artifacts::MAX_TEMPLATE_BODY_BYTES {
        let url = artifacts::upload_template(
            s3,
            region,
            &sam.code_bucket,
            &sam.code_prefix,
            stack,
            &body,
        )
        .await?;
        TemplateSource::Url(url)
    } else {
        TemplateSource::Body(body)
    };

    // Read again, not taken from the pre-flight: the build took minutes.
    let before = change_set::existing(cloudformation, stack).await?;
    let kind = Kind::for_stack(stack, before.as_ref())?;
    let request = Request {
        stack_name: stack.to_string(),
        kind,
        template: source,
        parameters: vec![
            (parameter::CODE_BUCKET.to_string(), sam.code_bucket.clone()),
            (parameter::CODE_KEY.to_string(), key.clone()),
        ],
        capabilities: change_set::capabilities(template.value()),
        description: format!("slips deploy of {url}"),
    };
    let verb = match kind {
        Kind::Create => "creating",
        Kind::Update => "updating",
    };
    eprintln!("{verb} stack {stack} in {region}: creating a change set");
    let change_set = match change_set::create(cloudformation, &request).await? {
        Prepared::NoChanges => {
            if dry_run {
                print!("{}", template.to_text(Format::Yaml)?);
            }
            println!("stack {stack} is up to date: no changes");
            return Ok(());
        }
        Prepared::Ready(change_set) => change_set,
    };
    let changes: String = change_set
        .changes
        .iter()
        .map(|change| format!("  {change}\n"))
        .collect();

    if dry_run {
        print!("{}", template.to_text(Format::Yaml)?);
        println!(
            "# change set for stack {stack} ({}): {} change(s)\n{changes}",
            if kind == Kind::Create {
                "create"
            } else {
                "update"
            },
            change_set.changes.len()
        );
        change_set::delete(cloudformation, &change_set.id).await?;
        if before.is_none() {
            // The change set made an empty stack (REVIEW_IN_PROGRESS): remove it too.
            cloudformation
                .delete_stack()
                .stack_name(&change_set.stack_id)
                .send()
                .await
                .map_err(slips::aws::sdk_error)
                .with_context(|| format!("removing the empty stack {stack} of the dry run"))?;
        }
        eprintln!("dry run: the change set was deleted; nothing changed");
        return Ok(());
    }

    eprint!("{} change(s):\n{changes}", change_set.changes.len());
    let watch = Watch::start(cloudformation, &change_set.stack_id).await?;
    change_set::execute(cloudformation, &change_set).await?;
    let mut progress = Progress::new(verb, stack, Some(change_set.changes.len()));
    let outcome = watch.until_done(&mut progress).await?;
    if outcome.succeeded() {
        println!(
            "stack {stack} {} in {} s ({})",
            if kind == Kind::Create {
                "created"
            } else {
                "updated"
            },
            progress.elapsed_secs(),
            outcome.status
        );
        return Ok(());
    }
    let mut message = format!("deploying stack {stack} failed: it is {}", outcome.status);
    for failure in outcome.failures() {
        message.push_str(&format!("\n  {failure}"));
    }
    if kind == Kind::Create {
        message.push_str("\nthe stack could not be created: remove it with `slips destroy` before deploying again");
    }
    bail!(message)
}
