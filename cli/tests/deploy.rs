//! `slips deploy`, `package` and `destroy` against moto, and the operator
//! commands on the stack they deployed: `invoke`, `errors`, `error`, `drain`,
//! `limit`, `backfill`.
//!
//! moto creates the streams, table, topics, queue, roles, functions, event
//! source mappings, permissions, log groups and dashboard of the template;
//! it skips SNS subscriptions, alarms and event invoke configs, which are
//! checked on the rendered template instead. The handler is built in debug
//! mode (`--debug`) to keep the run short.

mod common;
#[path = "../../runtime/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::Path;

use common::{repo_root, slips, text};
use slips::event::ObjectEvent;

/// The bucket the fixtures' events name (`tests/fixtures/{dlq,sns}.json`).
const LOGS_BUCKET: &str = "slips-deploy-test-logs";
/// The fixtures' two failed invocations: one object on the fast lane, two on the slow one.
const FAST_FAILURE: &str = "8d1f6a52-0c1e-4a53-9a60-5b2f1d7f0a01";
const SLOW_FAILURE: &str = "8d1f6a52-0c1e-4a53-9a60-5b2f1d7f0a02";

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Runs `slips ARGS` and returns its stdout, failing the test with its
/// stderr when it fails.
fn slips_ok(dir: &Path, args: &[&str]) -> String {
    let out = slips(dir, args);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "slips {} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        args.join(" "),
        text(&out.stderr)
    );
    stdout
}

/// A config in a temp dir for the stack `stack`, code in `code_bucket`.
fn write_config(dir: &Path, stack: &str, code_bucket: Option<&str>, fast_batch: u32) {
    let sam = code_bucket.map_or(String::new(), |bucket| {
        format!("sam:\n  code_bucket: {bucket}\n  code_prefix: functions/\n")
    });
    let config = format!(
        "stack_name: {stack}
{sam}backend:
  sns_topics:
    - {{name: Upload, arn: 'arn:aws:sns:us-east-1:123456789012:slips-deploy-test-upload'}}
  lane:
    fast: {{delay: 0, batch_size: {fast_batch}}}
    slow: {{delay: 5, batch_size: 2}}
  on_delete: delete
handler:
  path: {handler}
routing:
  - {{bucket: {LOGS_BUCKET}, prefix: slow/, dest: slow}}
bucket_mapping:
  {LOGS_BUCKET}:
    - {{prefix: logs/, format: [s3-lines, json]}}
    - {{prefix: slow/, format: [s3-lines, json]}}
",
        handler = repo_root().join("handlers/log-counter").display()
    );
    std::fs::write(dir.join("config.yml"), config).expect("write config");
}

/// Physical ids of the stack's resources, by logical id.
async fn resources(
    cloudformation: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> HashMap<String, (String, String)> {
    let listed = cloudformation
        .list_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .expect("list stack resources");
    listed
        .stack_resource_summaries()
        .iter()
        .filter_map(|r| {
            let logical = r.logical_resource_id().filter(|l| !l.is_empty())?;
            Some((
                logical.to_string(),
                (
                    r.physical_resource_id().unwrap_or_default().to_string(),
                    r.resource_status().map_or("", |s| s.as_str()).to_string(),
                ),
            ))
        })
        .collect()
}

fn keys(events: &[ObjectEvent]) -> Vec<&str> {
    events.iter().map(|e| e.object_key.as_str()).collect()
}

async fn mapping_batch_size(lambda: &aws_sdk_lambda::Client, uuid: &str) -> Option<i32> {
    lambda
        .get_event_source_mapping()
        .uuid(uuid)
        .send()
        .await
        .expect("get event source mapping")
        .batch_size()
}

/// The rendered template has what moto does not create: subscriptions,
/// alarms, Main's event invoke config (2 retries).
fn check_template_for_what_moto_skips(dir: &Path) {
    let json = slips_ok(dir, &["template", "-c", "config.yml", "--format", "json"]);
    let template: serde_json::Value = serde_json::from_str(&json).expect("template JSON");
    let resources = template["Resources"].as_object().expect("resources");
    let of_type = |kind: &str| -> Vec<&serde_json::Value> {
        resources.values().filter(|r| r["Type"] == kind).collect()
    };
    let subscriptions = of_type("AWS::SNS::Subscription");
    assert!(
        subscriptions.iter().any(|s| s["Properties"]["TopicArn"]
            == "arn:aws:sns:us-east-1:123456789012:slips-deploy-test-upload"
            && s["Properties"]["Protocol"] == "lambda"),
        "the upload topic's subscription to EventPusher: {subscriptions:?}"
    );
    assert!(
        subscriptions
            .iter()
            .any(|s| s["Properties"]["TopicArn"] == serde_json::json!({"Ref": "ErrorNotify"})),
        "the DLQ topic's subscription to Reporter: {subscriptions:?}"
    );
    for alarm in [
        "DlqMessagesAlarm",
        "MainErrorsAlarm",
        "FastIteratorAgeAlarm",
        "SlowIteratorAgeAlarm",
    ] {
        assert_eq!(
            resources[alarm]["Type"], "AWS::CloudWatch::Alarm",
            "{alarm}"
        );
    }
    let invoke_config = &resources["MainFuncInvokeConfig"];
    assert_eq!(invoke_config["Type"], "AWS::Lambda::EventInvokeConfig");
    assert_eq!(invoke_config["Properties"]["MaximumRetryAttempts"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_updates_reports_no_changes_serves_the_operator_commands_and_destroys() {
    let sdk = support::sdk_config().await;
    let s3 = slips::aws::s3_client(&sdk);
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let kinesis = aws_sdk_kinesis::Client::new(&sdk);
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let stack = support::unique_name("deploy");
    let code_bucket = support::unique_name("code");
    support::create_bucket(&s3, &code_bucket).await;
    write_config(dir, &stack, Some(&code_bucket), 1);
    check_template_for_what_moto_skips(dir);

    // 1. Create.
    let run = slips(dir, &["deploy", "-c", "config.yml", "--debug"]);
    let (out, err) = (text(&run.stdout), text(&run.stderr));
    assert!(run.status.success(), "{out}\n{err}");
    assert!(out.contains(&format!("stack {stack} created")), "{out}");
    let who = err.find("deploying as arn:aws:").expect("who deploys");
    let build = err.find("building the handler").expect("the build");
    assert!(
        who < build,
        "who deploys where, said before the build: {err}"
    );
    assert!(
        err[who..]
            .lines()
            .next()
            .unwrap_or_default()
            .ends_with("to us-east-1"),
        "{err}"
    );
    let created = resources(&cloudformation, &stack).await;
    for (logical, kind) in [
        ("EventFastStream", "streams"),
        ("EventSlowStream", "streams"),
        ("ErrorTable", "table"),
        ("ErrorNotify", "topic"),
        ("PipelineFailureQueue", "queue"),
        ("MainFuncRole", "roles"),
        ("DrainRole", "roles"),
        ("MainFunc", "functions"),
        ("EventPusher", "functions"),
        ("FastDispatcherEventSource", "mappings"),
        ("SlowDispatcherEventSource", "mappings"),
        ("EventPusherPermissionUpload", "permissions"),
        ("ReporterPermission", "permissions"),
        ("MainFuncLogGroup", "log groups"),
        ("SlipsDashboard", "dashboard"),
    ] {
        let (physical, status) = created
            .get(logical)
            .unwrap_or_else(|| panic!("{logical} ({kind}) is not in stack {stack}: {created:?}"));
        assert_eq!(status, "CREATE_COMPLETE", "{logical}");
        assert!(
            !physical.is_empty() || kind == "permissions",
            "{logical} has no physical id"
        );
    }
    // The resources exist in their services, as the stack says.
    let physical = |logical: &str| created[logical].0.clone();
    let (fast_stream, slow_stream) = (physical("EventFastStream"), physical("EventSlowStream"));
    for stream in [&fast_stream, &slow_stream] {
        kinesis
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .expect("the lane's stream exists");
    }
    aws_sdk_dynamodb::Client::new(&sdk)
        .describe_table()
        .table_name(physical("ErrorTable"))
        .send()
        .await
        .expect("the error table exists");
    let main = lambda
        .get_function_configuration()
        .function_name(physical("MainFunc"))
        .send()
        .await
        .expect("Main exists");
    assert_eq!(main.handler(), Some("bootstrap"));
    let role = main.role().expect("Main's role");
    aws_sdk_iam::Client::new(&sdk)
        .get_role()
        .role_name(role.rsplit('/').next().expect("role name"))
        .send()
        .await
        .expect("Main's role exists");
    let fast_mapping = physical("FastDispatcherEventSource");
    assert_eq!(mapping_batch_size(&lambda, &fast_mapping).await, Some(1));
    // The code zip is in the code bucket under its content hash.
    let listed = s3
        .list_objects_v2()
        .bucket(&code_bucket)
        .prefix(format!("functions/{stack}/"))
        .send()
        .await
        .expect("list code bucket");
    let uploaded: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        uploaded.iter().filter(|k| k.ends_with(".zip")).count(),
        1,
        "one code zip: {uploaded:?}"
    );
    // The pre-flight proved the bucket writable before the build.
    assert!(
        uploaded.contains(&format!("functions/{stack}/.slips-write-check").as_str()),
        "{uploaded:?}"
    );

    // 2. Update in place: a lane's batch size.
    write_config(dir, &stack, Some(&code_bucket), 4);
    let out = slips_ok(dir, &["deploy", "-c", "config.yml", "--debug"]);
    assert!(out.contains(&format!("stack {stack} updated")), "{out}");
    let updated = resources(&cloudformation, &stack).await;
    assert_eq!(
        updated["FastDispatcherEventSource"].0, fast_mapping,
        "the same mapping, updated in place"
    );
    assert_eq!(mapping_batch_size(&lambda, &fast_mapping).await, Some(4));

    // 3. Nothing changed: success, "no changes", nothing uploaded.
    let out = slips(dir, &["deploy", "-c", "config.yml", "--debug"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("no changes"), "{stdout}");
    assert!(stderr.contains("is already there"), "{stderr}");

    // The operator commands on the deployed stack.
    // invoke reporter with a DLQ message (two failed invocations) → errors / error.
    let out = slips_ok(
        dir,
        &[
            "invoke",
            "-c",
            "config.yml",
            "reporter",
            "--event",
            &fixture("dlq.json"),
            "--debug",
        ],
    );
    assert_eq!(
        out.trim(),
        "2",
        "Reporter recorded both dead letters: {out}"
    );
    let table = slips_ok(dir, &["errors", "-c", "config.yml"]);
    for id in [FAST_FAILURE, SLOW_FAILURE] {
        assert!(table.contains(id), "{table}");
    }
    assert!(table.contains("2 failed invocation(s)"), "{table}");
    let one = slips_ok(dir, &["error", "-c", "config.yml", SLOW_FAILURE]);
    assert!(one.contains("expected a flow log header"), "{one}");
    assert!(
        one.contains(&format!(
            "s3://{LOGS_BUCKET}/slow/flow/2026/11/22/flow-2.log"
        )),
        "{one}"
    );

    // drain one item: its events go back on the slow stream; the other item stays.
    let out = slips_ok(dir, &["drain", "-c", "config.yml", "--id", SLOW_FAILURE]);
    assert!(
        out.contains(
            "drained 1 item(s): 2 object event(s), 0 to the fast lane, 2 to the slow lane"
        ),
        "{out}"
    );
    let slow = support::stream_events(&kinesis, &slow_stream).await;
    assert_eq!(
        keys(&slow),
        [
            "slow/flow/2026/11/22/flow-1.log",
            "slow/flow/2026/11/22/flow-2.log"
        ],
        "drained events on the slow lane"
    );
    assert!(
        support::stream_events(&kinesis, &fast_stream)
            .await
            .is_empty(),
        "nothing on the fast lane"
    );
    let left: serde_json::Value = serde_json::from_str(&slips_ok(
        dir,
        &["errors", "-c", "config.yml", "--output", "json"],
    ))
    .expect("json");
    let left: Vec<&str> = left
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["request_id"].as_str())
        .collect();
    assert_eq!(left, [FAST_FAILURE], "only the drained item is deleted");

    // The failure queue: a dead letter SNS could not deliver to Reporter.
    let queue = physical("PipelineFailureQueue");
    let undelivered = serde_json::json!({"Type": "Notification", "MessageId": "m-1",
        "Message": serde_json::json!([{"bucket_name": LOGS_BUCKET,
            "object_key": "slow/flow/2026/11/22/flow-3.log", "lane": "slow"}]).to_string()});
    aws_sdk_sqs::Client::new(&sdk)
        .send_message()
        .queue_url(&queue)
        .message_body(undelivered.to_string())
        .send()
        .await
        .expect("send to the failure queue");
    let table = slips_ok(dir, &["errors", "-c", "config.yml"]);
    assert!(
        table.contains("failure queue: 1 message(s) waiting"),
        "{table}"
    );
    let listed = slips_ok(dir, &["errors", "-c", "config.yml", "--failures"]);
    assert!(
        listed.contains("dead letter: an SNS notification (a subscription's or an intake queue's dead letter): s3://"),
        "{listed}"
    );
    let dry = slips_ok(
        dir,
        &["drain", "-c", "config.yml", "--lane", "slow", "--dry-run"],
    );
    assert!(
        dry.contains("would drain 1 failure-queue message(s): 1 object event(s)"),
        "{dry}"
    );
    let out = slips_ok(dir, &["drain", "-c", "config.yml", "--lane", "slow"]);
    assert!(
        out.contains("drained 1 failure-queue message(s): 1 object event(s), 0 to the fast lane, 1 to the slow lane"),
        "{out}"
    );
    let slow = support::stream_events(&kinesis, &slow_stream).await;
    assert_eq!(keys(&slow).last(), Some(&"slow/flow/2026/11/22/flow-3.log"));
    let listed = slips_ok(dir, &["errors", "-c", "config.yml", "--failures"]);
    assert!(listed.contains("the failure queue is empty"), "{listed}");

    // limit: the Dispatcher's delay and its mapping's batch size, old → new.
    let out = slips_ok(
        dir,
        &["limit", "-c", "config.yml", "fast", "-d", "3", "-b", "7"],
    );
    assert!(out.contains("delay 0 → 3 s, batch size 4 → 7"), "{out}");
    let dispatcher = lambda
        .get_function_configuration()
        .function_name(physical("FastDispatcher"))
        .send()
        .await
        .expect("the fast Dispatcher");
    let variables = dispatcher
        .environment()
        .and_then(|e| e.variables())
        .expect("environment");
    assert_eq!(variables.get("SLIPS_DELAY").map(String::as_str), Some("3"));
    assert_eq!(
        variables.get("SLIPS_FUNCTION").map(String::as_str),
        Some("fast-dispatcher"),
        "the rest is kept"
    );
    assert_eq!(mapping_batch_size(&lambda, &fast_mapping).await, Some(7));

    // backfill: objects already in the bucket, into the fast lane.
    support::create_bucket(&s3, LOGS_BUCKET).await;
    let prefix = format!("logs/{}/", support::unique_name("backfill"));
    for name in ["a.json", "b.json"] {
        s3.put_object()
            .bucket(LOGS_BUCKET)
            .key(format!("{prefix}{name}"))
            .body(b"{\"n\":1}\n".to_vec().into())
            .send()
            .await
            .expect("put object");
    }
    let from = format!("s3://{LOGS_BUCKET}/{prefix}");
    let out = slips_ok(dir, &["backfill", "-c", "config.yml", &from, "--dry-run"]);
    assert!(out.contains("would push 2 object event(s)"), "{out}");
    assert!(
        support::stream_events(&kinesis, &fast_stream)
            .await
            .is_empty(),
        "a dry run pushes nothing"
    );
    let out = slips_ok(dir, &["backfill", "-c", "config.yml", &from]);
    assert!(out.contains("pushed 2 object event(s)"), "{out}");
    let fast = support::stream_events(&kinesis, &fast_stream).await;
    assert_eq!(
        keys(&fast),
        [format!("{prefix}a.json"), format!("{prefix}b.json")]
    );
    assert!(
        fast.iter().all(|e| e.dest_stream == fast_stream),
        "{fast:?}"
    );

    // invoke event-pusher with an SNS-wrapped S3 notification: routed, keys decoded.
    slips_ok(
        dir,
        &[
            "invoke",
            "-c",
            "config.yml",
            "event-pusher",
            "--event",
            &fixture("sns.json"),
            "--debug",
        ],
    );
    let fast = support::stream_events(&kinesis, &fast_stream).await;
    assert_eq!(
        fast.last().map(|e| e.object_key.as_str()),
        Some("logs/pushed/web 1/a+b.json")
    );
    let slow = support::stream_events(&kinesis, &slow_stream).await;
    assert_eq!(
        slow.last().map(|e| e.object_key.as_str()),
        Some("slow/pushed/flow.log")
    );

    // destroy: refuses without a terminal or --yes; with --yes, the stack is gone.
    let out = slips(dir, &["destroy", "-c", "config.yml"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));
    let out = slips_ok(dir, &["destroy", "-c", "config.yml", "--yes"]);
    assert!(out.contains(&format!("stack {stack} deleted")), "{out}");
    let error = cloudformation
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .expect_err("the stack is gone");
    assert!(format!("{error:?}").contains("does not exist"), "{error:?}");
    let out = slips_ok(dir, &["destroy", "-c", "config.yml", "--yes"]);
    assert!(out.contains("nothing to delete"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_template_and_changes_and_leaves_nothing() {
    let sdk = support::sdk_config().await;
    let s3 = slips::aws::s3_client(&sdk);
    let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let stack = support::unique_name("dry-run");
    let code_bucket = support::unique_name("code");
    support::create_bucket(&s3, &code_bucket).await;
    write_config(dir, &stack, Some(&code_bucket), 1);

    // package, then deploy --dry-run of that zip.
    let zip = dir.join("pipeline.zip");
    let zip = zip.to_str().expect("utf-8 path");
    let out = slips(dir, &["package", "-c", "config.yml", "--debug", "-o", zip]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = slips_ok(
        dir,
        &["deploy", "-c", "config.yml", "--package", zip, "--dry-run"],
    );
    assert!(out.contains("EventFastStream:"), "the template: {out}");
    assert!(out.contains("# change set for stack"), "{out}");
    assert!(out.contains("Add     MainFunc"), "{out}");
    let error = cloudformation
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .expect_err("a dry run leaves no stack");
    assert!(format!("{error:?}").contains("does not exist"), "{error:?}");
    let listed = s3
        .list_objects_v2()
        .bucket(&code_bucket)
        .send()
        .await
        .expect("list");
    assert!(listed.contents().is_empty(), "a dry run uploads no code");

    // A zip packaged from another config is refused.
    write_config(dir, &stack, Some(&code_bucket), 9);
    let out = slips(
        dir,
        &["deploy", "-c", "config.yml", "--package", zip, "--dry-run"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("was packaged from another config (it differs in backend)"),
        "{stderr}"
    );

    // A template over CloudFormation's inline limit (51,200 bytes) goes through the code bucket.
    write_config(dir, &stack, Some(&code_bucket), 1);
    let config = dir.join("config.yml");
    let topics: String = (0..60)
        .map(|i| {
            format!("    - {{name: More{i}, arn: 'arn:aws:sns:us-east-1:123456789012:more{i}'}}\n")
        })
        .collect();
    let text = std::fs::read_to_string(&config).expect("read config");
    let text = text.replacen("  sns_topics:\n", &format!("  sns_topics:\n{topics}"), 1);
    std::fs::write(&config, text).expect("write config");
    let out = slips_ok(dir, &["deploy", "-c", "config.yml", "--debug", "--dry-run"]);
    assert!(
        out.contains("Add     EventPusherSubscriptionMore59"),
        "{out}"
    );
    let listed = s3
        .list_objects_v2()
        .bucket(&code_bucket)
        .send()
        .await
        .expect("list");
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert!(
        keys.len() == 1 && keys[0].starts_with(&format!("functions/{stack}/templates/")),
        "only the template is uploaded: {keys:?}"
    );

    // Without sam.code_bucket, deploy says what to add before building anything.
    write_config(dir, &stack, None, 1);
    let out = slips(dir, &["deploy", "-c", "config.yml", "--debug"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sam.code_bucket is not set"), "{stderr}");
    assert!(!stderr.contains("building the handler"), "{stderr}");
}

/// What AWS can refuse is found before the build: a code bucket that does
/// not exist fails deploy in moments, naming the config field.
#[tokio::test]
async fn deploy_checks_the_code_bucket_before_building() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let missing = support::unique_name("no-such-bucket");
    write_config(dir, &support::unique_name("preflight"), Some(&missing), 1);
    let out = slips(dir, &["deploy", "-c", "config.yml", "--debug"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: sam.code_bucket: reading the bucket {missing} (does it exist, and may you read it?): NoSuchBucket"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Compiling") && !stderr.contains("Finished"),
        "no build: {stderr}"
    );
}

/// An intake queue Lambda would refuse to read (a visibility timeout under
/// EventPusher's timeout) fails deploy before the build, saying what to set;
/// one that does not exist is named.
/// `slips deploy ARGS` of a new stack with `backend` (YAML lines under
/// `backend:`) and log-counter: its exit code and stderr.
fn deploy_with_backend(code_bucket: &str, backend: &str, args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "stack_name: {stack}
sam: {{code_bucket: {code_bucket}}}
backend:
{backend}
handler:
  path: {handler}
bucket_mapping:
  {LOGS_BUCKET}:
    - {{prefix: logs/, format: [s3-lines, json]}}
",
        stack = support::unique_name("preflight"),
        handler = repo_root().join("handlers/log-counter").display()
    );
    std::fs::write(dir.path().join("config.yml"), config).expect("config");
    let out = slips(
        dir.path(),
        &[&["deploy", "-c", "config.yml"], args].concat(),
    );
    (out.status.code(), text(&out.stderr))
}

#[tokio::test]
async fn deploy_checks_the_intake_queues_before_building() {
    let sdk = support::sdk_config().await;
    let code = support::unique_name("intake-code");
    support::create_bucket(&slips::aws::s3_client(&sdk), &code).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let name = support::unique_name("intake");
    sqs.create_queue()
        .queue_name(&name)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "30",
        )
        .send()
        .await
        .expect("queue");
    let deploy = |queue: &str| {
        deploy_with_backend(
            &code,
            &format!(
                "  sqs_queues: [{{name: Logs, arn: 'arn:aws:sqs:us-east-1:123456789012:{queue}'}}]"
            ),
            &["--debug"],
        )
    };
    let (code, stderr) = deploy(&name);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: backend.sqs_queues[0]: the queue's visibility timeout is 30 s; Lambda reads a \
             queue only if it is at least EventPusher's timeout, 120 s (AWS advises 6 times: set \
             it to 720 s)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Compiling"), "no build: {stderr}");
    let missing = support::unique_name("no-such-queue");
    let (code, stderr) = deploy(&missing);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: backend.sqs_queues[0].arn: reading the queue arn:aws:sqs:us-east-1:123456789012:{missing} (does it exist?)"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn deploy_refuses_a_failure_queue_too_small_for_what_reaches_it() {
    let sdk = support::sdk_config().await;
    let code = support::unique_name("failures-code");
    support::create_bucket(&slips::aws::s3_client(&sdk), &code).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    // Queues keeping messages a day, of at most `size` bytes.
    let queue = |name: String, size: u32| {
        let sqs = sqs.clone();
        async move {
            sqs.create_queue()
                .queue_name(&name)
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod,
                    "86400",
                )
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::MaximumMessageSize,
                    size.to_string(),
                )
                .send()
                .await
                .expect("queue");
            name
        }
    };
    let deploy = |queue: &str| {
        deploy_with_backend(
            &code,
            &format!(
                "  sns_topics: [{{name: Logs, arn: 'arn:aws:sns:us-east-1:123456789012:logs'}}]
  failure_queue_arn: 'arn:aws:sqs:us-east-1:123456789012:{queue}'"
            ),
            &["--dry-run", "--debug"],
        )
    };
    // SQS's long-standing default size.
    let small = queue(support::unique_name("failures"), 262_144).await;
    let (code, stderr) = deploy(&small);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: backend.failure_queue_arn: the queue takes messages of at most 262144 bytes, \
             but what reaches it can be 532480 bytes"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("set its MaximumMessageSize to 1048576"),
        "{stderr}"
    );
    assert!(!stderr.contains("Compiling"), "no build: {stderr}");
    // Large enough, but a day's retention: a warning, and the deploy goes on.
    let short = queue(support::unique_name("failures"), 1_048_576).await;
    let (_, stderr) = deploy(&short);
    assert!(
        stderr.contains(
            "warning: backend.failure_queue_arn: the queue keeps messages 1.0 days; what waits \
             there longer is lost before `slips drain` replays it"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("backend.failure_queue_arn: the queue takes"),
        "{stderr}"
    );
}

/// Args that do not fit the handler's `Args` are refused by `package`, which
/// runs the built binary to check them, instead of failing every invocation.
#[test]
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn package_refuses_args_the_handler_does_not_take() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    write_config(dir, "package-args", Some("code"), 1);
    let config = std::fs::read_to_string(dir.join("config.yml")).expect("config");
    let handler = repo_root().join("handlers/log-counter");
    let path = format!("  path: {}\n", handler.display());
    assert!(config.contains(&path));
    std::fs::write(
        dir.join("config.yml"),
        config.replace(&path, &format!("{path}  args: {{fail_onn: x}}\n")),
    )
    .expect("config");
    let out = slips(
        dir,
        &["package", "-c", "config.yml", "--debug", "-o", "bad.zip"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: handler.args do not fit the handler's Args type (see its fields in the handler's code): unknown field `fail_onn`"),
        "{stderr}"
    );
    assert!(!dir.join("bad.zip").exists());
}

/// `package` reads the binary it is given and refuses what Lambda cannot run,
/// saying how to build one that fits. No AWS call: the check comes first.
#[test]
#[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
fn package_refuses_binaries_lambda_cannot_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    write_config(dir, "package-check", Some("code"), 1);
    // Any x86_64 glibc program will do as a handler binary: this test's slips.
    let mut binary = std::fs::read(env!("CARGO_BIN_EXE_slips")).expect("read slips");
    std::fs::write(dir.join("fits"), &binary).expect("write");
    let out = slips_ok(
        dir,
        &[
            "package",
            "-c",
            "config.yml",
            "--binary",
            "fits",
            "-o",
            "ok.zip",
        ],
    );
    assert!(out.is_empty(), "{out}");
    assert!(dir.join("ok.zip").is_file());

    // The same binary, its baseline symbol version renamed to ask for glibc 2.99.
    let (from, to) = (b"GLIBC_2.2.5\0", b"GLIBC_2.99\0\0");
    let at = binary
        .windows(from.len())
        .position(|w| w == from)
        .expect("GLIBC_2.2.5 in slips");
    binary[at..at + to.len()].copy_from_slice(to);
    std::fs::write(dir.join("too-new"), &binary).expect("write");
    let out = slips(dir, &["package", "-c", "config.yml", "--binary", "too-new"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("too-new needs glibc 2.99"), "{stderr}");
    assert!(
        stderr.contains("provided.al2023 has glibc 2.34"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cargo lambda build --release --x86-64"),
        "{stderr}"
    );

    // An x86_64 binary for arm64 functions.
    let config = dir.join("config.yml");
    let text = std::fs::read_to_string(&config).expect("read config");
    std::fs::write(
        &config,
        format!("{text}functions: {{architecture: arm64}}\n"),
    )
    .expect("write");
    let out = slips(dir, &["package", "-c", "config.yml", "--binary", "fits"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fits is built for x86_64, but functions.architecture is arm64"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cargo lambda build --release --arm64"),
        "{stderr}"
    );
}
