//! The names a deployed stack is known by: logical IDs, parameters, outputs,
//! and the environment each function gets. The CLI reads the outputs and the
//! runtime reads the environment, so these are a contract: change one only
//! together with its reader.

use crate::lane::Lane;

/// The template's parameters: where the code zip is (the deploy step passes them).
pub mod parameter {
    /// S3 bucket holding the code zip.
    pub const CODE_BUCKET: &str = "CodeBucket";
    /// S3 key of the code zip.
    pub const CODE_KEY: &str = "CodeKey";
}

/// Logical IDs of the resources that are not one per function. The
/// original's IDs are kept so operators recognise the stack.
pub mod id {
    use crate::lane::Lane;

    /// The fast lane's Kinesis stream.
    pub const FAST_STREAM: &str = "EventFastStream";
    /// The slow lane's Kinesis stream.
    pub const SLOW_STREAM: &str = "EventSlowStream";
    /// The DynamoDB error table.
    pub const ERROR_TABLE: &str = "ErrorTable";
    /// The dead-letter SNS topic Main's failed batches go to.
    pub const DLQ_TOPIC: &str = "ErrorNotify";
    /// The SQS queue for failures the error table cannot hold (see the README).
    pub const FAILURE_QUEUE: &str = "PipelineFailureQueue";
    /// Lets the subscriptions' dead letters into the failure queue.
    pub const FAILURE_QUEUE_POLICY: &str = "PipelineFailureQueuePolicy";
    /// The CloudWatch dashboard.
    pub const DASHBOARD: &str = "SlipsDashboard";
    /// Main's asynchronous-invocation settings (retries, maximum event age).
    pub const MAIN_INVOKE_CONFIG: &str = "MainFuncInvokeConfig";
    /// The DLQ topic's subscription of Reporter.
    pub const REPORTER_SUBSCRIPTION: &str = "ReporterSubscription";
    /// The permission for the DLQ topic to invoke Reporter.
    pub const REPORTER_PERMISSION: &str = "ReporterPermission";
    /// The EventBridge rule of `backend.eventbridge`'s buckets.
    pub const EVENTBRIDGE_RULE: &str = "EventPusherRule";
    /// The permission for that rule to invoke EventPusher.
    pub const EVENTBRIDGE_PERMISSION: &str = "EventPusherRulePermission";
    /// Alarm: a batch reached the DLQ topic.
    pub const DLQ_ALARM: &str = "DlqMessagesAlarm";
    /// Alarm: Main failed.
    pub const MAIN_ERRORS_ALARM: &str = "MainErrorsAlarm";
    /// Alarm: something reached the pipeline failure queue.
    pub const FAILURE_QUEUE_ALARM: &str = "PipelineFailuresAlarm";

    /// The stream of `lane`.
    pub fn stream(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => FAST_STREAM,
            Lane::Slow => SLOW_STREAM,
        }
    }

    /// The event source mapping that feeds `lane`'s Dispatcher.
    pub fn event_source(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => "FastDispatcherEventSource",
            Lane::Slow => "SlowDispatcherEventSource",
        }
    }

    /// The alarm on `function`'s Lambda metric `metric` (e.g. `EventPusherErrorsAlarm`).
    pub fn alarm(function: super::Function, metric: &str) -> String {
        format!("{}{metric}Alarm", function.logical_id())
    }

    /// The alarm on `lane`'s backlog.
    pub fn iterator_age_alarm(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => "FastIteratorAgeAlarm",
            Lane::Slow => "SlowIteratorAgeAlarm",
        }
    }
}

/// EventPusher's timeout, in seconds. An intake queue's visibility timeout
/// must be at least this for Lambda to read it (Lambda Developer Guide,
/// "Using Lambda with Amazon SQS").
pub const EVENT_PUSHER_TIMEOUT_SECONDS: u32 = 120;

/// slips' own CloudWatch metrics (embedded metric format): the functions
/// emit them, the stack's alarms watch them.
pub mod metrics {
    /// Their CloudWatch namespace.
    pub const NAMESPACE: &str = "slips";
    /// The dimension of each that names the stack.
    pub const STACK: &str = "Stack";
    /// ... the function.
    pub const FUNCTION: &str = "Function";
    /// ... the lane, for a function that has one.
    pub const LANE: &str = "Lane";
    /// The function dimension of both Dispatchers.
    pub const DISPATCHER: &str = "dispatcher";
    /// Events a Dispatcher kept in the error table because Main could not
    /// be invoked.
    pub const KEPT_EVENTS: &str = "KeptEvents";
}

/// Environment variables the functions read; the stack sets them.
pub mod env {
    use crate::lane::Lane;

    /// Which function the binary serves: [`Function::name`](super::Function::name).
    pub const FUNCTION: &str = "SLIPS_FUNCTION";
    /// Where the config (JSON) is in Lambda; by default `slips.json` in the
    /// code's directory.
    pub const CONFIG: &str = "SLIPS_CONFIG";
    /// Name of the fast lane's stream (EventPusher, Drain).
    pub const FAST_STREAM: &str = "SLIPS_FAST_STREAM";
    /// Name of the slow lane's stream (EventPusher, Drain).
    pub const SLOW_STREAM: &str = "SLIPS_SLOW_STREAM";
    /// Name of Main's function (Dispatchers).
    pub const MAIN_FUNCTION: &str = "SLIPS_MAIN_FUNCTION";
    /// Seconds the Dispatcher waits after each batch, the lane's `delay`
    /// (Dispatchers); read at every invocation so `slips limit` takes
    /// effect without a deploy.
    pub const DELAY: &str = "SLIPS_DELAY";
    /// Name of the error table (Dispatchers, Reporter, Drain).
    pub const ERROR_TABLE: &str = "SLIPS_ERROR_TABLE";
    /// The name of the running function, which Lambda sets.
    pub const LAMBDA_FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";

    /// The variable holding the stream name of `lane`.
    pub fn stream(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => FAST_STREAM,
            Lane::Slow => SLOW_STREAM,
        }
    }
}

/// The stack's outputs: every physical name the CLI needs.
pub mod output {
    use crate::lane::Lane;

    /// Name of the fast lane's stream.
    pub const FAST_STREAM_NAME: &str = "FastStreamName";
    /// Name of the slow lane's stream.
    pub const SLOW_STREAM_NAME: &str = "SlowStreamName";
    /// Name of the error table.
    pub const ERROR_TABLE_NAME: &str = "ErrorTableName";
    /// ARN of the dead-letter topic.
    pub const DLQ_TOPIC_ARN: &str = "DlqTopicArn";
    /// ARN of the pipeline failure queue.
    pub const FAILURE_QUEUE_ARN: &str = "PipelineFailureQueueArn";
    /// UUID of the fast lane's event source mapping.
    pub const FAST_EVENT_SOURCE_MAPPING: &str = "FastEventSourceMapping";
    /// UUID of the slow lane's event source mapping.
    pub const SLOW_EVENT_SOURCE_MAPPING: &str = "SlowEventSourceMapping";
    /// Name of the CloudWatch dashboard.
    pub const DASHBOARD_NAME: &str = "DashboardName";

    /// The stream name output of `lane`.
    pub fn stream_name(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => FAST_STREAM_NAME,
            Lane::Slow => SLOW_STREAM_NAME,
        }
    }

    /// The event source mapping output of `lane`.
    pub fn event_source_mapping(lane: Lane) -> &'static str {
        match lane {
            Lane::Fast => FAST_EVENT_SOURCE_MAPPING,
            Lane::Slow => SLOW_EVENT_SOURCE_MAPPING,
        }
    }
}

/// The six functions of the stack, all served by the one handler binary.
/// As a command-line value each is its [`name`](Function::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Function {
    /// S3 notifications in, object events onto their lanes.
    EventPusher,
    /// The fast lane's batches to Main.
    FastDispatcher,
    /// The slow lane's batches to Main, at the lane's pace.
    SlowDispatcher,
    /// The user's handler on each object.
    Main,
    /// Main's dead letters into the error table.
    Reporter,
    /// Error-table items back onto their lanes (`slips drain --remote`).
    Drain,
}

impl Function {
    /// Every function, in the template's order.
    pub const ALL: [Function; 6] = [
        Function::EventPusher,
        Function::FastDispatcher,
        Function::SlowDispatcher,
        Function::Main,
        Function::Reporter,
        Function::Drain,
    ];

    /// The Dispatcher of `lane`.
    pub fn dispatcher(lane: Lane) -> Function {
        match lane {
            Lane::Fast => Function::FastDispatcher,
            Lane::Slow => Function::SlowDispatcher,
        }
    }

    /// The lane of a Dispatcher, `None` for the other functions.
    pub fn lane(self) -> Option<Lane> {
        match self {
            Function::FastDispatcher => Some(Lane::Fast),
            Function::SlowDispatcher => Some(Lane::Slow),
            _ => None,
        }
    }

    /// The function's logical ID (the original's).
    pub fn logical_id(self) -> &'static str {
        match self {
            Function::EventPusher => "EventPusher",
            Function::FastDispatcher => "FastDispatcher",
            Function::SlowDispatcher => "SlowDispatcher",
            Function::Main => "MainFunc",
            Function::Reporter => "Reporter",
            Function::Drain => "Drain",
        }
    }

    /// The function `SLIPS_FUNCTION=name` selects.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The value of `SLIPS_FUNCTION` that selects this function in the binary.
    pub fn name(self) -> &'static str {
        match self {
            Function::EventPusher => "event-pusher",
            Function::FastDispatcher => "fast-dispatcher",
            Function::SlowDispatcher => "slow-dispatcher",
            Function::Main => "main",
            Function::Reporter => "reporter",
            Function::Drain => "drain",
        }
    }

    /// The output holding the function's physical name.
    pub fn output(self) -> &'static str {
        match self {
            Function::EventPusher => "EventPusherFunction",
            Function::FastDispatcher => "FastDispatcherFunction",
            Function::SlowDispatcher => "SlowDispatcherFunction",
            Function::Main => "MainFunction",
            Function::Reporter => "ReporterFunction",
            Function::Drain => "DrainFunction",
        }
    }

    /// Logical ID of the function's execution role, when the stack creates it.
    pub fn role_id(self) -> String {
        format!("{}Role", self.logical_id())
    }

    /// Logical ID of the function's log group.
    pub fn log_group_id(self) -> String {
        format!("{}LogGroup", self.logical_id())
    }
}
