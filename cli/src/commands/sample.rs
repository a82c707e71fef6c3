//! `slips sample`: object events built from real objects under each mapped
//! prefix, for `slips local -d` (try the handler on what the buckets hold).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use slips::event::ObjectEvent;

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// Write the events here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Objects per mapped prefix (the newest are taken).
    #[arg(long, default_value_t = 1)]
    per_prefix: usize,
}

/// Keys listed per prefix before picking the newest.
const LISTED_PER_PREFIX: i32 = 1000;

pub fn run(args: SampleArgs) -> anyhow::Result<ExitCode> {
    let config = slips::config::load(&args.config)?.config;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let events = runtime.block_on(async {
        let sdk = slips::aws::connect().await?;
        let s3 = slips::aws::s3_client(&sdk);
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        let mut events = Vec::new();
        for (bucket, mappings) in &config.bucket_mapping {
            for mapping in mappings {
                let listed = s3
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(&mapping.prefix)
                    .max_keys(LISTED_PER_PREFIX)
                    .send()
                    .await
                    .map_err(slips::aws::sdk_error)
                    .with_context(|| format!("listing s3://{bucket}/{}", mapping.prefix))?;
                let mut objects: Vec<_> = listed
                    .contents()
                    .iter()
                    // An object under a longer mapped prefix belongs to that entry.
                    .filter(|o| {
                        o.key().is_some_and(|k| {
                            config.mapping_for(bucket, k).map(|m| &m.prefix)
                                == Some(&mapping.prefix)
                        })
                    })
                    .collect();
                objects.sort_by_key(|o| std::cmp::Reverse(o.last_modified().map(|t| t.secs())));
                if objects.is_empty() {
                    eprintln!("s3://{bucket}/{}: no object to sample", mapping.prefix);
                }
                for object in objects.into_iter().take(args.per_prefix) {
                    let key = object.key().unwrap_or_default().to_string();
                    events.push(ObjectEvent {
                        aws_region: region.clone(),
                        event_time: object
                            .last_modified()
                            .and_then(|t| {
                                t.fmt(aws_sdk_s3::primitives::DateTimeFormat::DateTime).ok()
                            })
                            .unwrap_or_default(),
                        object_size: object
                            .size()
                            .and_then(|s| u64::try_from(s).ok())
                            .unwrap_or(0),
                        object_etag: object
                            .e_tag()
                            .unwrap_or_default()
                            .trim_matches('"')
                            .to_string(),
                        lane: config.route(bucket, &key).lane(),
                        ..ObjectEvent::new(bucket, &key)
                    });
                }
            }
        }
        Ok::<_, anyhow::Error>(events)
    })?;
    let text = serde_json::to_string_pretty(&events)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "{} event(s) written to {}; try them with `slips local -d {}`",
                events.len(),
                path.display(),
                path.display()
            );
        }
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
