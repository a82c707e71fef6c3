//! `slips validate`: check a config file and summarise what it deploys.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use slips::config::{self, Config, LoadError, Throttle};

pub fn run(file: &Path) -> anyhow::Result<ExitCode> {
    match config::load(file) {
        Ok(loaded) => {
            eprint!("{}", loaded.warnings.render());
            print!("{}", summary(file, &loaded.config));
            Ok(ExitCode::SUCCESS)
        }
        Err(LoadError::Invalid(report)) => {
            eprintln!("{report}");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

/// One screen: what the config deploys and how objects flow through it.
fn summary(file: &Path, config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: valid; stack `{}`",
        file.display(),
        config.stack_name
    );
    let handler = &config.handler;
    let concurrency = handler
        .concurrency
        .map_or("unreserved concurrency".to_string(), |n| {
            format!("reserved concurrency {n}")
        });
    let _ = writeln!(out, "\nhandler  {} ({concurrency})", handler.path.display());

    let _ = writeln!(out, "\nintake (how S3 tells EventPusher of new objects)");
    let backend = &config.backend;
    for topic in &backend.sns_topics {
        let _ = writeln!(out, "  SNS topic    {} ({})", topic.arn, topic.name);
    }
    for queue in &backend.sqs_queues {
        let _ = writeln!(
            out,
            "  SQS queue    {} ({}), {} messages per batch, failed ones delivered again",
            queue.arn, queue.name, queue.batch_size
        );
    }
    if let Some(eventbridge) = &backend.eventbridge {
        let _ = writeln!(
            out,
            "  EventBridge  Object Created of {}",
            eventbridge.buckets.join(", ")
        );
    }

    let _ = writeln!(
        out,
        "\nbuckets (the longest matching prefix picks the format chain)"
    );
    for (bucket, mappings) in &config.bucket_mapping {
        let _ = writeln!(out, "  {bucket}");
        let width = mappings
            .iter()
            .map(|m| shown_prefix(&m.prefix).len())
            .max()
            .unwrap_or(0);
        for mapping in mappings {
            let chain = &mapping.format;
            let lanes = lanes_reached(config, bucket, &mapping.prefix);
            let _ = writeln!(
                out,
                "    {:width$}  {chain}  [{lanes}]",
                shown_prefix(&mapping.prefix)
            );
            for rule in record_rules(mapping) {
                let _ = writeln!(out, "    {:width$}    {rule}", "");
            }
        }
    }

    let _ = writeln!(out, "\nroutes (first match wins; no match → fast)");
    if config.routing.is_empty() {
        let _ = writeln!(out, "  every object → fast");
    }
    for (i, rule) in config.routing.iter().enumerate() {
        let what = match (&rule.bucket, &rule.prefix) {
            (None, None) => "any object".to_string(),
            (Some(b), None) => format!("s3://{b}/*"),
            (bucket, prefix) => format!(
                "s3://{}/{}*",
                bucket.as_deref().unwrap_or("*"),
                prefix.as_deref().unwrap_or("")
            ),
        };
        let _ = writeln!(out, "  {:>2}. {what} → {}", i + 1, rule.dest.name());
    }

    let _ = writeln!(out, "\nlanes");
    let lanes = &config.backend.lane;
    for (name, lane) in [("fast", &lanes.fast), ("slow", &lanes.slow)] {
        let _ = writeln!(out, "  {name}  {}", throttle(lane));
    }
    out
}

fn shown_prefix(prefix: &str) -> &str {
    if prefix.is_empty() {
        "(all keys)"
    } else {
        prefix
    }
}

/// The lanes objects under `prefix` of `bucket` can take, by the routing rules.
fn lanes_reached(config: &Config, bucket: &str, prefix: &str) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (_, dest) in config.routes_under(bucket, prefix) {
        if !names.contains(&dest.name()) {
            names.push(dest.name());
        }
    }
    names.join(", ")
}

fn throttle(lane: &Throttle) -> String {
    let batch = format!("batch of {}", lane.batch_size);
    if lane.delay == 0 {
        format!("{batch}, no delay (unthrottled)")
    } else {
        let rate = f64::from(lane.batch_size) / f64::from(lane.delay);
        format!(
            "{batch}, then {} s delay: at most {rate:.3} objects/s per shard",
            lane.delay
        )
    }
}

/// What a mapping entry does to its records, one line each.
fn record_rules(mapping: &slips::config::Mapping) -> Vec<String> {
    use slips::config::Redaction;
    let mut rules = Vec::new();
    if let Some(m) = &mapping.multiline {
        rules.push(format!(
            "multiline: a record starts at /{}/, at most {} lines and {} bytes",
            m.start.as_str(),
            m.max_lines,
            m.max_bytes
        ));
    }
    if !mapping.redact.is_empty() {
        let names: Vec<String> = mapping
            .redact
            .iter()
            .map(|r| match r {
                Redaction::Builtin(b) => b.name().to_string(),
                Redaction::Rule(rule) => match (&rule.pattern, rule.builtin) {
                    (Some(p), _) => format!("/{}/", p.as_str()),
                    (None, Some(b)) => b.name().to_string(),
                    (None, None) => "?".into(),
                },
            })
            .collect();
        rules.push(format!("redact: {}", names.join(", ")));
    }
    let filter: Vec<String> = [
        ("keep", &mapping.filter.keep),
        ("drop", &mapping.filter.drop),
    ]
    .into_iter()
    .filter(|(_, conditions)| !conditions.is_empty())
    .map(|(what, conditions)| {
        format!(
            "{what} what matches one of {} condition(s)",
            conditions.len()
        )
    })
    .collect();
    if !filter.is_empty() {
        rules.push(format!(
            "filter: {} (the rest counted as filtered)",
            filter.join("; ")
        ));
    }
    if let Some(rate) = mapping.sample {
        rules.push(format!(
            "sample: {rate} of the records left (the rest counted as sampled out)"
        ));
    }
    rules
}
