//! The rendered template, checked resource by resource against what the
//! stack promises: least-privilege IAM, reuse of given resources, the
//! functions' environment, lanes, alarms and outputs.

use serde_json::{Value, json};
use slips_contract::config::Config;
use slips_templates::{Format, Function, RESOURCELESS_ACTIONS, names, render};

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:SecLogUpload";

/// A small config in the original's schema; `edit` changes it before parsing.
fn config_with(edit: impl FnOnce(&mut Value)) -> Config {
    let mut value = json!({
        "stack_name": "test-stack",
        "backend": {
            "sns_topics": [{"name": "SecLogUpload", "arn": TOPIC}],
            "lane": {"fast": {"delay": 0, "batch_size": 7}, "slow": {"delay": 12, "batch_size": 3}},
        },
        "handler": {"path": "handler", "concurrency": 5},
        "bucket_mapping": {
            "log-bucket": [
                {"prefix": "logs/a/", "format": ["s3-lines", "json"]},
                {"prefix": "logs/a/deeper/", "format": ["s3-lines", "json"]},
                {"prefix": "skip/", "format": ["ignore"]},
            ],
            "other-bucket": [{"prefix": "", "format": ["s3-text", "json", "cloudtrail"]}],
        },
    });
    edit(&mut value);
    serde_json::from_value(value).expect("test config")
}

fn template(config: &Config) -> Value {
    render(config).expect("renders").value().clone()
}

fn resources(template: &Value) -> &serde_json::Map<String, Value> {
    template["Resources"].as_object().expect("Resources")
}

fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    resources(template)
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// Every IAM statement of the template, with the logical ID of its role.
fn statements(template: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, role) in of_type(template, "AWS::IAM::Role") {
        for policy in role["Properties"]["Policies"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for statement in policy["PolicyDocument"]["Statement"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.push((id.clone(), statement.clone()));
            }
        }
    }
    // Policies of their own, by the role they attach to.
    for (_, policy) in of_type(template, "AWS::IAM::RolePolicy") {
        let role = policy["Properties"]["RoleName"]["Ref"]
            .as_str()
            .expect("a policy of a role of the stack")
            .to_string();
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .into_iter()
            .flatten()
        {
            out.push((role.clone(), statement.clone()));
        }
    }
    out
}

fn as_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn reuse_everything(value: &mut Value) {
    value["backend"]["role_arn"] = json!({
        "event_pusher": "arn:aws:iam::123456789012:role/ep",
        "dispatcher": "arn:aws:iam::123456789012:role/dispatch",
        "reporter": "arn:aws:iam::123456789012:role/rep",
        "drain": "arn:aws:iam::123456789012:role/drain",
    });
    value["handler"]["role_arn"] = json!("arn:aws:iam::123456789012:role/main");
    value["backend"]["kinesis_stream_fast_arn"] =
        json!("arn:aws:kinesis:us-east-1:123456789012:stream/fast-lane");
    value["backend"]["kinesis_stream_slow_arn"] =
        json!("arn:aws:kinesis:us-east-1:123456789012:stream/slow-lane");
    value["backend"]["dynamodb_arn"] = json!("arn:aws:dynamodb:us-east-1:123456789012:table/errs");
    value["backend"]["dlq_sns_arn"] = json!("arn:aws:sns:us-east-1:123456789012:dead-letters");
}

fn in_vpc(value: &mut Value) {
    value["handler"]["security_group_ids"] = json!(["sg-0123456789abcdef0"]);
    value["handler"]["subnet_ids"] =
        json!(["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"]);
    value["handler"]["kms_key_arns"] =
        json!(["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]);
}

#[test]
fn no_iam_statement_allows_every_action_or_every_named_resource() {
    for config in [config_with(|_| {}), config_with(in_vpc)] {
        let template = template(&config);
        let all = statements(&template);
        assert!(all.len() >= 15, "{all:?}");
        for (role, statement) in all {
            assert_eq!(statement["Effect"], "Allow", "{role}");
            let actions = as_list(&statement["Action"]);
            assert!(!actions.is_empty(), "{role}: {statement}");
            for action in &actions {
                let action = action.as_str().unwrap_or_default();
                assert!(
                    action.contains(':') && !action.contains('*'),
                    "{role}: wildcard action {action}"
                );
            }
            for resource in as_list(&statement["Resource"]) {
                if resource == "*" {
                    for action in &actions {
                        assert!(
                            RESOURCELESS_ACTIONS.contains(&action.as_str().unwrap_or_default()),
                            "{role}: `*` resource for {action}, which can be scoped"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn each_role_belongs_to_one_function_and_writes_only_its_own_logs() {
    let template = template(&config_with(|_| {}));
    assert_eq!(of_type(&template, "AWS::IAM::Role").len(), 6);
    for function in Function::ALL {
        let resource = &resources(&template)[function.logical_id()];
        assert_eq!(
            resource["Properties"]["Role"],
            json!({"Fn::GetAtt": [function.role_id(), "Arn"]})
        );
        let logs: Vec<Value> = statements(&template)
            .into_iter()
            .filter(|(role, s)| *role == function.role_id() && s["Sid"] == "WriteOwnLogs")
            .map(|(_, s)| s["Resource"].clone())
            .collect();
        assert_eq!(
            logs,
            [json!([{"Fn::GetAtt": [function.log_group_id(), "Arn"]}])]
        );
    }
}

#[test]
fn main_reads_only_the_mapped_prefixes() {
    let template = template(&config_with(in_vpc));
    let main: Vec<Value> = statements(&template)
        .into_iter()
        .filter(|(role, _)| role == "MainFuncRole")
        .map(|(_, s)| s)
        .collect();
    let get = main
        .iter()
        .find(|s| s["Action"] == json!(["s3:GetObject", "s3:GetObjectVersion"]))
        .expect("GetObject");
    assert_eq!(
        get["Resource"],
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::log-bucket/logs/a/*"},
            {"Fn::Sub": "arn:${AWS::Partition}:s3:::other-bucket/*"},
        ]),
        "covered and ignored prefixes are left out"
    );
    let decrypt = main
        .iter()
        .find(|s| s["Action"] == json!(["kms:Decrypt"]))
        .expect("Decrypt");
    assert_eq!(
        decrypt["Condition"]["StringLike"]["kms:ViaService"],
        "s3.*.amazonaws.com"
    );
    let publish = main
        .iter()
        .find(|s| s["Action"] == json!(["sns:Publish"]))
        .expect("Publish");
    assert_eq!(publish["Resource"], json!([{"Ref": "ErrorNotify"}]));
}

#[test]
fn every_reused_arn_is_referenced_and_its_resource_absent() {
    // (what, config edit, the ARN, logical IDs that must be absent)
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str, Vec<String>)> = vec![
        (
            "EventPusher role",
            |v| {
                v["backend"]["role_arn"] =
                    json!({"event_pusher": "arn:aws:iam::123456789012:role/ep"})
            },
            "arn:aws:iam::123456789012:role/ep",
            vec![Function::EventPusher.role_id()],
        ),
        (
            "Dispatcher role",
            |v| {
                v["backend"]["role_arn"] = json!({"dispatcher": "arn:aws:iam::123456789012:role/d"})
            },
            "arn:aws:iam::123456789012:role/d",
            vec![
                Function::FastDispatcher.role_id(),
                Function::SlowDispatcher.role_id(),
            ],
        ),
        (
            "Reporter role",
            |v| v["backend"]["role_arn"] = json!({"reporter": "arn:aws:iam::123456789012:role/r"}),
            "arn:aws:iam::123456789012:role/r",
            vec![Function::Reporter.role_id()],
        ),
        (
            "Drain role",
            |v| v["backend"]["role_arn"] = json!({"drain": "arn:aws:iam::123456789012:role/dr"}),
            "arn:aws:iam::123456789012:role/dr",
            vec![Function::Drain.role_id()],
        ),
        (
            "Main role",
            |v| v["handler"]["role_arn"] = json!("arn:aws:iam::123456789012:role/main"),
            "arn:aws:iam::123456789012:role/main",
            vec![Function::Main.role_id()],
        ),
        (
            "fast stream",
            |v| {
                v["backend"]["kinesis_stream_fast_arn"] =
                    json!("arn:aws:kinesis:us-east-1:123456789012:stream/f")
            },
            "arn:aws:kinesis:us-east-1:123456789012:stream/f",
            vec![names::id::FAST_STREAM.into()],
        ),
        (
            "slow stream",
            |v| {
                v["backend"]["kinesis_stream_slow_arn"] =
                    json!("arn:aws:kinesis:us-east-1:123456789012:stream/s")
            },
            "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            vec![names::id::SLOW_STREAM.into()],
        ),
        (
            "error table",
            |v| {
                v["backend"]["dynamodb_arn"] =
                    json!("arn:aws:dynamodb:us-east-1:123456789012:table/errs")
            },
            "arn:aws:dynamodb:us-east-1:123456789012:table/errs",
            vec![names::id::ERROR_TABLE.into()],
        ),
        (
            "failure queue",
            |v| {
                v["backend"]["failure_queue_arn"] =
                    json!("arn:aws:sqs:us-east-1:123456789012:fails")
            },
            "arn:aws:sqs:us-east-1:123456789012:fails",
            vec![names::id::FAILURE_QUEUE.into()],
        ),
        (
            "DLQ topic",
            |v| v["backend"]["dlq_sns_arn"] = json!("arn:aws:sns:us-east-1:123456789012:dlq"),
            "arn:aws:sns:us-east-1:123456789012:dlq",
            vec![names::id::DLQ_TOPIC.into()],
        ),
    ];
    for (what, edit, arn, absent) in cases {
        let template = template(&config_with(edit));
        let text = template.to_string();
        assert!(
            text.contains(&format!("\"{arn}\"")),
            "{what}: {arn} not referenced"
        );
        for id in absent {
            assert!(
                resources(&template).get(&id).is_none(),
                "{what}: {id} still created"
            );
            assert!(
                !text.contains(&format!("\"{id}\"")),
                "{what}: {id} still referenced"
            );
        }
    }

    let template = template(&config_with(reuse_everything));
    for kind in [
        "AWS::IAM::Role",
        "AWS::Kinesis::Stream",
        "AWS::DynamoDB::Table",
        "AWS::SNS::Topic",
    ] {
        assert!(
            of_type(&template, kind).is_empty(),
            "{kind} created though given"
        );
    }
    let outputs = &template["Outputs"];
    assert_eq!(outputs["FastStreamName"]["Value"], "fast-lane");
    assert_eq!(outputs["SlowStreamName"]["Value"], "slow-lane");
    assert_eq!(outputs["ErrorTableName"]["Value"], "errs");
    assert_eq!(
        outputs["DlqTopicArn"]["Value"],
        "arn:aws:sns:us-east-1:123456789012:dead-letters"
    );
    let reporter = &resources(&template)["ReporterSubscription"]["Properties"];
    assert_eq!(
        reporter["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:dead-letters"
    );
}

#[test]
fn given_roles_send_failures_only_to_a_given_queue() {
    // A given role cannot have been granted the queue the stack creates, and
    // Lambda refuses a dead-letter target the role may not use: no target.
    let template = template(&config_with(reuse_everything));
    for id in ["EventPusher", "Reporter"] {
        let function = &resources(&template)[id];
        assert!(function["Properties"]["DeadLetterConfig"].is_null(), "{id}");
        assert!(
            function["Metadata"]["checkov"]["skip"]
                .to_string()
                .contains("backend.failure_queue_arn"),
            "{id}: the skip says why and what to do"
        );
    }
    for id in ["FastDispatcherEventSource", "SlowDispatcherEventSource"] {
        assert!(
            resources(&template)[id]["Properties"]["DestinationConfig"].is_null(),
            "{id}"
        );
    }
    // Main's dead letters are the contract: always the DLQ topic.
    assert_eq!(
        resources(&template)["MainFunc"]["Properties"]["DeadLetterConfig"]["TargetArn"],
        "arn:aws:sns:us-east-1:123456789012:dead-letters"
    );

    let queue = "arn:aws:sqs:us-east-1:123456789012:slips-failures";
    let template = self::template(&config_with(|v| {
        reuse_everything(v);
        v["backend"]["failure_queue_arn"] = json!(queue);
    }));
    for id in ["EventPusher", "Reporter"] {
        assert_eq!(
            resources(&template)[id]["Properties"]["DeadLetterConfig"]["TargetArn"],
            queue
        );
    }
    let slow = &resources(&template)["SlowDispatcherEventSource"]["Properties"];
    assert_eq!(slow["DestinationConfig"]["OnFailure"]["Destination"], queue);
    assert_eq!(
        template["Outputs"]["PipelineFailureQueueArn"]["Value"],
        queue
    );
}

#[test]
fn each_function_gets_the_environment_of_the_contract() {
    let template = template(&config_with(|_| {}));
    let env = |function: Function| {
        resources(&template)[function.logical_id()]["Properties"]["Environment"]["Variables"]
            .clone()
    };
    let streams = json!({"Ref": "EventFastStream"});
    assert_eq!(
        env(Function::EventPusher),
        json!({
            "SLIPS_FUNCTION": "event-pusher",
            "SLIPS_FAST_STREAM": streams,
            "SLIPS_SLOW_STREAM": {"Ref": "EventSlowStream"},
        })
    );
    assert_eq!(
        env(Function::FastDispatcher),
        json!({
            "SLIPS_FUNCTION": "fast-dispatcher",
            "SLIPS_MAIN_FUNCTION": {"Ref": "MainFunc"},
            "SLIPS_DELAY": "0",
            "SLIPS_ERROR_TABLE": {"Ref": "ErrorTable"},
        })
    );
    assert_eq!(
        env(Function::SlowDispatcher),
        json!({
            "SLIPS_FUNCTION": "slow-dispatcher",
            "SLIPS_MAIN_FUNCTION": {"Ref": "MainFunc"},
            "SLIPS_DELAY": "12",
            "SLIPS_ERROR_TABLE": {"Ref": "ErrorTable"},
        })
    );
    assert_eq!(env(Function::Main), json!({"SLIPS_FUNCTION": "main"}));
    assert_eq!(
        env(Function::Reporter),
        json!({"SLIPS_FUNCTION": "reporter", "SLIPS_ERROR_TABLE": {"Ref": "ErrorTable"}})
    );
    assert_eq!(
        env(Function::Drain),
        json!({
            "SLIPS_FUNCTION": "drain",
            "SLIPS_ERROR_TABLE": {"Ref": "ErrorTable"},
            "SLIPS_FAST_STREAM": streams,
            "SLIPS_SLOW_STREAM": {"Ref": "EventSlowStream"},
        })
    );
    for function in Function::ALL {
        let properties = &resources(&template)[function.logical_id()]["Properties"];
        assert_eq!(properties["Runtime"], "provided.al2023");
        assert_eq!(properties["Handler"], "bootstrap");
        assert_eq!(properties["Architectures"], json!(["x86_64"]));
        assert_eq!(
            properties["Code"],
            json!({"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}})
        );
        assert_eq!(
            properties["LoggingConfig"]["LogGroup"],
            json!({"Ref": function.log_group_id()})
        );
        let log_group = &resources(&template)[&function.log_group_id()]["Properties"];
        assert_eq!(log_group["RetentionInDays"], 30);
    }
    // Reused resources travel by their names.
    let template = self::template(&config_with(reuse_everything));
    let drain = &resources(&template)["Drain"]["Properties"]["Environment"]["Variables"];
    assert_eq!(drain["SLIPS_ERROR_TABLE"], "errs");
    assert_eq!(drain["SLIPS_FAST_STREAM"], "fast-lane");
}

#[test]
fn each_lane_has_its_mapping_with_its_batch_size() {
    let template = template(&config_with(|_| {}));
    for (id, function, batch) in [
        ("FastDispatcherEventSource", "FastDispatcher", 7),
        ("SlowDispatcherEventSource", "SlowDispatcher", 3),
    ] {
        let mapping = &resources(&template)[id];
        assert_eq!(mapping["Type"], "AWS::Lambda::EventSourceMapping");
        let p = &mapping["Properties"];
        assert_eq!(p["FunctionName"], json!({"Ref": function}));
        assert_eq!(p["BatchSize"], batch);
        assert_eq!(p["StartingPosition"], "TRIM_HORIZON");
        assert_eq!(p["BisectBatchOnFunctionError"], true);
        assert_eq!(p["MaximumRetryAttempts"], slips_templates::DISPATCH_RETRIES);
        assert_eq!(
            p["DestinationConfig"]["OnFailure"]["Destination"],
            json!({"Fn::GetAtt": ["PipelineFailureQueue", "Arn"]})
        );
    }
    assert_eq!(
        resources(&template)["FastDispatcherEventSource"]["Properties"]["EventSourceArn"],
        json!({"Fn::GetAtt": ["EventFastStream", "Arn"]})
    );
}

#[test]
fn main_runs_as_configured() {
    let template = template(&config_with(|v| {
        in_vpc(v);
        v["handler"]["memory"] = json!(2048);
        v["handler"]["timeout"] = json!(600);
        v["handler"]["max_event_age"] = json!(3600);
        v["functions"] = json!({"architecture": "arm64", "log_retention_days": 90});
    }));
    let main = &resources(&template)["MainFunc"]["Properties"];
    assert_eq!(main["ReservedConcurrentExecutions"], 5);
    assert_eq!(main["MemorySize"], 2048);
    assert_eq!(main["Timeout"], 600);
    assert_eq!(main["Architectures"], json!(["arm64"]));
    assert_eq!(
        main["DeadLetterConfig"]["TargetArn"],
        json!({"Ref": "ErrorNotify"})
    );
    assert_eq!(
        main["VpcConfig"]["SubnetIds"],
        json!(["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"])
    );
    let invoke = &resources(&template)["MainFuncInvokeConfig"]["Properties"];
    assert_eq!(invoke["MaximumRetryAttempts"], 2);
    assert_eq!(invoke["MaximumEventAgeInSeconds"], 3600);
    assert_eq!(invoke["FunctionName"], json!({"Ref": "MainFunc"}));
    assert_eq!(
        resources(&template)["MainFuncLogGroup"]["Properties"]["RetentionInDays"],
        90
    );

    let unreserved = self::template(&config_with(|v| v["handler"]["concurrency"] = Value::Null));
    assert!(
        resources(&unreserved)["MainFunc"]["Properties"]["ReservedConcurrentExecutions"].is_null()
    );
}

#[test]
fn streams_table_and_topics_are_encrypted_and_kept_as_configured() {
    let template = template(&config_with(|_| {}));
    let fast = &resources(&template)["EventFastStream"];
    assert_eq!(fast["DeletionPolicy"], "Retain");
    assert_eq!(fast["Properties"]["RetentionPeriodHours"], 24);
    assert_eq!(fast["Properties"]["ShardCount"], 1);
    assert_eq!(
        fast["Properties"]["StreamModeDetails"]["StreamMode"],
        "PROVISIONED"
    );
    assert_eq!(
        fast["Properties"]["StreamEncryption"]["EncryptionType"],
        "KMS"
    );
    let table = &resources(&template)["ErrorTable"];
    assert_eq!(table["DeletionPolicy"], "Retain");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["KeySchema"],
        json!([{"AttributeName": "request_id", "KeyType": "HASH"}])
    );
    assert_eq!(p["TimeToLiveSpecification"]["AttributeName"], "expires_at");
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], true);
    assert!(resources(&template)["ErrorNotify"]["Properties"]["KmsMasterKeyId"].is_string());

    let template = self::template(&config_with(|v| {
        v["backend"]["on_delete"] = json!("delete");
        v["backend"]["lane"]["slow"]["shards"] = json!("on-demand");
        v["backend"]["lane"]["slow"]["retention_hours"] = json!(168);
    }));
    let slow = &resources(&template)["EventSlowStream"];
    assert_eq!(slow["DeletionPolicy"], "Delete");
    assert_eq!(slow["UpdateReplacePolicy"], "Delete");
    assert_eq!(
        slow["Properties"]["StreamModeDetails"]["StreamMode"],
        "ON_DEMAND"
    );
    assert!(slow["Properties"]["ShardCount"].is_null());
    assert_eq!(slow["Properties"]["RetentionPeriodHours"], 168);
    assert_eq!(
        resources(&template)["ErrorTable"]["DeletionPolicy"],
        "Delete"
    );
}

#[test]
fn every_topic_invokes_event_pusher_with_its_own_permission() {
    let template = template(&config_with(|v| {
        v["backend"]["sns_topics"] = json!([
            {"name": "SecLogUpload", "arn": TOPIC},
            {"name": "sec-log_upload", "arn": "arn:aws:sns:eu-west-1:123456789012:other"},
        ]);
    }));
    let permissions = of_type(&template, "AWS::Lambda::Permission");
    let ids: Vec<&str> = permissions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "EventPusherPermissionSecLogUpload",
            "EventPusherPermissionSecLogUpload1",
            "ReporterPermission"
        ]
    );
    let second = &resources(&template)["EventPusherPermissionSecLogUpload1"]["Properties"];
    assert_eq!(
        second["SourceArn"],
        "arn:aws:sns:eu-west-1:123456789012:other"
    );
    assert_eq!(second["Principal"], "sns.amazonaws.com");
    let subscription = &resources(&template)["EventPusherSubscriptionSecLogUpload1"];
    assert_eq!(subscription["Properties"]["Region"], "eu-west-1");
    assert_eq!(
        subscription["Properties"]["Endpoint"],
        json!({"Fn::GetAtt": ["EventPusher", "Arn"]})
    );
    assert_eq!(
        subscription["DependsOn"],
        json!(["EventPusherPermissionSecLogUpload1"])
    );
    let reporter = &resources(&template)["ReporterPermission"]["Properties"];
    assert_eq!(reporter["SourceArn"], json!({"Ref": "ErrorNotify"}));
}

#[test]
fn queues_and_the_eventbridge_rule_invoke_event_pusher_and_nothing_else() {
    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let queue = "arn:aws:sqs:us-east-1:123456789012:log-queue";
    let other = "arn:aws:sqs:us-east-1:123456789012:other-queue";
    let template = template(&config_with(|v| {
        v["backend"]["sqs_queues"] = json!([
            {"name": "log-queue", "arn": queue},
            {"name": "log_queue", "arn": other, "batch_size": 4, "kms_key_arn": KEY},
        ]);
        v["backend"]["eventbridge"] = json!({"buckets": ["log-bucket", "other-bucket"]});
    }));
    let all = resources(&template);
    for (id, arn, batch) in [
        ("EventPusherQueueLogQueue", queue, 10),
        ("EventPusherQueueLogQueue1", other, 4),
    ] {
        assert_eq!(
            all[id]["Properties"],
            json!({"FunctionName": {"Ref": "EventPusher"}, "EventSourceArn": arn, "BatchSize": batch,
                   "FunctionResponseTypes": ["ReportBatchItemFailures"]}),
            "{id}"
        );
    }
    // EventPusher's role reads those two queues, and no other.
    let reads: Vec<Value> = statements(&template)
        .into_iter()
        .filter(|(role, s)| {
            *role == Function::EventPusher.role_id() && s["Sid"] == "ReadIntakeQueues"
        })
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        reads,
        [json!({"Sid": "ReadIntakeQueues", "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": [queue, other]})]
    );
    // ... and decrypts with the one key given, through SQS only.
    let decrypt: Vec<Value> = statements(&template)
        .into_iter()
        .filter(|(_, s)| s["Sid"] == "DecryptIntakeQueues")
        .map(|(role, s)| {
            assert_eq!(role, Function::EventPusher.role_id());
            s
        })
        .collect();
    assert_eq!(
        decrypt,
        [
            json!({"Sid": "DecryptIntakeQueues", "Effect": "Allow", "Action": ["kms:Decrypt"],
            "Resource": [KEY],
            "Condition": {"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}}})
        ]
    );

    let rule = &all["EventPusherRule"]["Properties"];
    assert_eq!(
        rule["EventPattern"],
        json!({"source": ["aws.s3"], "detail-type": ["Object Created"],
               "detail": {"bucket": {"name": ["log-bucket", "other-bucket"]}}})
    );
    let target = &rule["Targets"][0];
    assert_eq!(target["Arn"], json!({"Fn::GetAtt": ["EventPusher", "Arn"]}));
    assert_eq!(
        target["DeadLetterConfig"]["Arn"],
        json!({"Fn::GetAtt": ["PipelineFailureQueue", "Arn"]})
    );
    assert_eq!(target["RetryPolicy"]["MaximumRetryAttempts"], 185);
    let permission = &all["EventPusherRulePermission"]["Properties"];
    assert_eq!(permission["Principal"], "events.amazonaws.com");
    assert_eq!(
        permission["SourceArn"],
        json!({"Fn::GetAtt": ["EventPusherRule", "Arn"]})
    );
    // EventBridge may put what it cannot deliver in the failure queue: from this rule only.
    let policy = &all["PipelineFailureQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"];
    assert_eq!(
        policy[1]["Principal"],
        json!({"Service": "events.amazonaws.com"})
    );
    assert_eq!(
        policy[1]["Condition"],
        json!({"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["EventPusherRule", "Arn"]}}})
    );

    // Without them, none of it.
    let plain = crate::template(&config_with(|_| {}));
    assert!(!resources(&plain).contains_key("EventPusherRule"));
    assert!(
        !statements(&plain)
            .iter()
            .any(|(_, s)| s["Sid"] == "ReadIntakeQueues")
    );
}

#[test]
fn alarms_watch_the_failure_points_and_notify_the_topic() {
    let topic = "arn:aws:sns:us-east-1:123456789012:oncall";
    let template = template(&config_with(|v| {
        v["alarms"] = json!({"topic_arn": topic, "iterator_age": {"fast": 120}});
    }));
    let alarms: Vec<&str> = of_type(&template, "AWS::CloudWatch::Alarm")
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        alarms,
        [
            "DlqMessagesAlarm",
            "MainErrorsAlarm",
            "MainFuncDeadLetterErrorsAlarm",
            "EventPusherDeadLetterErrorsAlarm",
            "ReporterDeadLetterErrorsAlarm",
            "FastDispatcherDestinationDeliveryFailuresAlarm",
            "SlowDispatcherDestinationDeliveryFailuresAlarm",
            "FastDispatcherKeptEventsAlarm",
            "SlowDispatcherKeptEventsAlarm",
            "EventPusherErrorsAlarm",
            "FastDispatcherErrorsAlarm",
            "SlowDispatcherErrorsAlarm",
            "ReporterErrorsAlarm",
            "FastIteratorAgeAlarm",
            "SlowIteratorAgeAlarm",
            "PipelineFailuresAlarm"
        ]
    );
    // A dead letter Lambda could not deliver is deleted: that alarm watches Main's.
    let lost = &resources(&template)["MainFuncDeadLetterErrorsAlarm"]["Properties"];
    assert_eq!(
        (&lost["Namespace"], &lost["MetricName"], &lost["Threshold"]),
        (&json!("AWS/Lambda"), &json!("DeadLetterErrors"), &json!(1))
    );
    assert_eq!(lost["Dimensions"][0]["Value"], json!({"Ref": "MainFunc"}));
    // Events a Dispatcher kept in the error table: slips' own metric, with
    // every dimension the Dispatcher emits it with.
    let kept = &resources(&template)["SlowDispatcherKeptEventsAlarm"]["Properties"];
    assert_eq!(
        (&kept["Namespace"], &kept["MetricName"]),
        (&json!("slips"), &json!("KeptEvents"))
    );
    assert_eq!(
        kept["Dimensions"],
        json!([
            {"Name": "Stack", "Value": config_with(|_| {}).stack_name},
            {"Name": "Function", "Value": "dispatcher"},
            {"Name": "Lane", "Value": "slow"},
        ])
    );
    for id in alarms {
        let p = &resources(&template)[id]["Properties"];
        assert_eq!(p["AlarmActions"], json!([topic]), "{id}");
        assert_eq!(p["OKActions"], json!([topic]), "{id}");
    }
    let fast = &resources(&template)["FastIteratorAgeAlarm"]["Properties"];
    assert_eq!(fast["Threshold"], 120_000);
    assert_eq!(
        fast["Dimensions"][0]["Value"],
        json!({"Ref": "FastDispatcher"})
    );
    assert_eq!(
        resources(&template)["SlowIteratorAgeAlarm"]["Properties"]["Threshold"],
        3_600_000
    );
    let dashboard =
        resources(&template)["SlipsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
            .as_str()
            .expect("dashboard body");
    let body: Value = serde_json::from_str(dashboard).expect("dashboard JSON");
    assert_eq!(body["widgets"].as_array().map(Vec::len), Some(7));
    for function in Function::ALL {
        assert!(dashboard.contains(&format!("${{{}}}", function.logical_id())));
    }
    let failures = &body["widgets"][5]["properties"]["metrics"];
    assert_eq!(
        failures[3],
        json!(["slips", "KeptEvents", "Stack", config_with(|_| {}).stack_name, "Function",
            "dispatcher", "Lane", "slow", {"label": "events kept, slow lane (Main not invoked)", "stat": "Sum"}])
    );

    let quiet = self::template(&config_with(|_| {}));
    assert!(resources(&quiet)["MainErrorsAlarm"]["Properties"]["AlarmActions"].is_null());
}

#[test]
fn outputs_name_everything_the_cli_reads() {
    let template = template(&config_with(|_| {}));
    let outputs = template["Outputs"].as_object().expect("Outputs");
    let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
    for expected in [
        "FastStreamName",
        "SlowStreamName",
        "ErrorTableName",
        "DlqTopicArn",
        "EventPusherFunction",
        "FastDispatcherFunction",
        "SlowDispatcherFunction",
        "MainFunction",
        "ReporterFunction",
        "DrainFunction",
        "FastEventSourceMapping",
        "SlowEventSourceMapping",
        "DashboardName",
        "PipelineFailureQueueArn",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
        assert!(!outputs[expected]["Value"].is_null(), "{expected}");
    }
    assert_eq!(outputs["MainFunction"]["Value"], json!({"Ref": "MainFunc"}));
    assert_eq!(
        outputs["FastEventSourceMapping"]["Value"],
        json!({"Ref": "FastDispatcherEventSource"})
    );
    assert_eq!(
        outputs["DlqTopicArn"]["Value"],
        json!({"Ref": "ErrorNotify"})
    );
}

#[test]
fn every_checkov_skip_gives_its_reason() {
    for config in [
        config_with(|_| {}),
        config_with(in_vpc),
        config_with(reuse_everything),
    ] {
        let template = template(&config);
        for (id, resource) in resources(&template) {
            for skip in resource["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let check = skip["id"].as_str().unwrap_or_default();
                assert!(check.starts_with("CKV_AWS_"), "{id}: {skip}");
                let reason = skip["comment"].as_str().unwrap_or_default();
                assert!(
                    reason.len() > 30,
                    "{id}: {check} needs a reason, not `{reason}`"
                );
            }
        }
    }
    // The checks a configured VPC or reserved concurrency satisfies are not skipped.
    let template = template(&config_with(in_vpc));
    let skips = resources(&template)["MainFunc"]["Metadata"]["checkov"]["skip"].to_string();
    assert!(
        !skips.contains("CKV_AWS_117") && !skips.contains("CKV_AWS_115"),
        "{skips}"
    );
}

#[test]
fn rendering_is_deterministic() {
    let config = config_with(in_vpc);
    let first = render(&config).expect("renders");
    let second = render(&config).expect("renders");
    assert_eq!(first.to_json(), second.to_json());
    assert_eq!(
        first.to_text(Format::Yaml).expect("yaml"),
        second.to_text(Format::Yaml).expect("yaml")
    );
}

#[test]
fn the_yaml_is_the_same_template_as_the_json() {
    let rendered = render(&config_with(in_vpc)).expect("renders");
    let yaml = rendered.to_yaml().expect("yaml");
    let back: Value = serde_yaml_ng::from_str(&yaml).expect("YAML parses");
    assert_eq!(&back, rendered.value());
    assert!(
        yaml.starts_with("AWSTemplateFormatVersion: '2010-09-09'"),
        "{}",
        &yaml[..60]
    );
}

#[test]
fn a_policy_over_the_iam_limit_is_refused_with_the_fix() {
    let config = config_with(|v| {
        let entries: Vec<Value> = (0..400)
            .map(|i| json!({"prefix": format!("some/long/prefix/number/{i:04}/"), "format": ["s3-lines"]}))
            .collect();
        v["bucket_mapping"]["log-bucket"] = json!(entries);
    });
    let error = render(&config).expect_err("too large").to_string();
    assert!(error.contains("IAM's limit of 10240"), "{error}");
    assert!(error.contains("handler.role_arn"), "{error}");
    // With Main's role given, nothing needs to fit.
    let mut config = config;
    config.handler.role_arn = Some("arn:aws:iam::123456789012:role/main".into());
    assert!(render(&config).is_ok());
}

#[test]
fn the_example_fits_in_a_template_body() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let loaded = slips_contract::config::load(&root.join("config.example.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let rendered = render(&loaded.config).expect("renders");
    let yaml = rendered.to_yaml().expect("yaml");
    let compact = rendered.value().to_string();
    for (what, size) in [("YAML", yaml.len()), ("compact JSON", compact.len())] {
        assert!(
            size < slips_templates::limits::MAX_TEMPLATE_BODY_BYTES,
            "{what}: {size} bytes; deploy would need an S3 TemplateURL"
        );
    }
}

#[test]
fn main_may_invoke_only_itself_to_hand_back_a_failed_object() {
    let template = template(&config_with(|_| {}));
    let main = Function::Main;
    let hand_back: Vec<_> = statements(&template)
        .into_iter()
        .filter(|(_, s)| as_list(&s["Action"]).contains(&json!("lambda:InvokeFunction")))
        .filter(|(role, _)| *role == main.role_id())
        .map(|(_, s)| s["Resource"].clone())
        .collect();
    assert_eq!(
        hand_back,
        [json!([{"Fn::GetAtt": [main.logical_id(), "Arn"]}])]
    );
    // A given role is not changed: it must allow this itself.
    let template = self::template(&config_with(reuse_everything));
    assert!(of_type(&template, "AWS::IAM::RolePolicy").is_empty());
}

#[test]
fn the_failure_queue_holds_its_largest_message() {
    let template = template(&config_with(|_| {}));
    let queue = &resources(&template)["PipelineFailureQueue"]["Properties"];
    let size = queue["MaximumMessageSize"].as_u64().expect("a size");
    // Reporter's dead letter: an SNS event wrapping a full dead letter of
    // Main, its message JSON-escaped (so up to twice as long).
    let largest = 2 * slips_contract::quota::MAX_SNS_MESSAGE_BYTES as u64 + 8 * 1024;
    assert!(size >= largest, "{size} < {largest}");
    assert!(size <= 1_048_576, "SQS's maximum");
}

#[test]
fn every_subscription_sends_what_sns_cannot_deliver_to_the_failure_queue() {
    let queue = json!({"Fn::GetAtt": ["PipelineFailureQueue", "Arn"]});
    let template = template(&config_with(|v| {
        v["backend"]["sns_topics"] = json!([
            {"name": "Here", "arn": TOPIC},
            {"name": "Elsewhere", "arn": "arn:aws:sns:eu-west-1:123456789012:Elsewhere"},
        ]);
    }));
    let subscriptions = of_type(&template, "AWS::SNS::Subscription");
    assert_eq!(
        subscriptions.len(),
        3,
        "two topics and the dead-letter topic"
    );
    for (id, subscription) in &subscriptions {
        let redrive = &subscription["Properties"]["RedrivePolicy"];
        let policy = match redrive.get("Fn::If") {
            // A topic's subscription: the queue only where SNS allows it, in the topic's region.
            Some(branches) => {
                let condition = branches[0].as_str().expect("a condition");
                let region = &template["Conditions"][condition]["Fn::Equals"];
                assert_eq!(region[0], json!({"Ref": "AWS::Region"}), "{id}");
                assert_eq!(branches[2], json!({"Ref": "AWS::NoValue"}), "{id}");
                &branches[1]
            }
            None => redrive,
        };
        assert_eq!(policy, &json!({"deadLetterTargetArn": queue}), "{id}");
    }
    let conditions = template["Conditions"].as_object().expect("conditions");
    let regions: Vec<_> = conditions
        .values()
        .map(|c| c["Fn::Equals"][1].clone())
        .collect();
    assert_eq!(regions, [json!("us-east-1"), json!("eu-west-1")]);

    // Only these topics may send there; SNS can with SQS-managed encryption.
    let policy = &resources(&template)["PipelineFailureQueuePolicy"]["Properties"];
    let statement = &policy["PolicyDocument"]["Statement"][0];
    assert_eq!(
        statement["Principal"],
        json!({"Service": "sns.amazonaws.com"})
    );
    assert_eq!(statement["Action"], "sqs:SendMessage");
    assert_eq!(statement["Resource"], queue);
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"],
        json!([TOPIC, "arn:aws:sns:eu-west-1:123456789012:Elsewhere", {"Ref": "ErrorNotify"}])
    );
    let queue = &resources(&template)["PipelineFailureQueue"]["Properties"];
    assert_eq!(queue["SqsManagedSseEnabled"], true);

    // A queue given by ARN: used as the dead-letter target, its policy left to its owner.
    let template = self::template(&config_with(|v| {
        v["backend"]["failure_queue_arn"] = json!("arn:aws:sqs:us-east-1:123456789012:failures");
    }));
    assert!(
        resources(&template)
            .get("PipelineFailureQueuePolicy")
            .is_none()
    );
    let reporter = &resources(&template)["ReporterSubscription"]["Properties"];
    assert_eq!(
        reporter["RedrivePolicy"],
        json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:failures"})
    );
}

/// Every action each role holds is one its function's code calls (and so
/// the list changes only with the code): no spare permission.
#[test]
fn each_role_may_do_exactly_what_its_function_calls() {
    let template = template(&config_with(|_| {}));
    let actions = |function: Function| {
        let mut all: Vec<String> = statements(&template)
            .into_iter()
            .filter(|(role, _)| *role == function.role_id())
            .flat_map(|(_, s)| as_list(&s["Action"]))
            .filter_map(|a| a.as_str().map(String::from))
            .filter(|a| !a.starts_with("logs:"))
            .collect();
        all.sort();
        all
    };
    let read_stream = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
    ];
    assert_eq!(
        actions(Function::EventPusher),
        ["kinesis:PutRecords", "sqs:SendMessage"]
    );
    for dispatcher in [Function::FastDispatcher, Function::SlowDispatcher] {
        let mut expected: Vec<&str> = read_stream.to_vec();
        expected.extend([
            "dynamodb:UpdateItem",
            "lambda:InvokeFunction",
            "sqs:SendMessage",
        ]);
        expected.sort();
        assert_eq!(actions(dispatcher), expected, "{}", dispatcher.name());
    }
    assert_eq!(
        actions(Function::Main),
        [
            "lambda:InvokeFunction",
            "s3:GetObject",
            "s3:GetObjectVersion",
            "sns:Publish"
        ]
    );
    assert_eq!(
        actions(Function::Reporter),
        ["dynamodb:UpdateItem", "sqs:SendMessage"]
    );
    assert_eq!(
        actions(Function::Drain),
        [
            "dynamodb:DeleteItem",
            "dynamodb:Scan",
            "dynamodb:UpdateItem",
            "kinesis:PutRecords"
        ]
    );
}
