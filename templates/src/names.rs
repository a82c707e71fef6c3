//! The names a deployed stack is known by: logical IDs, parameters, outputs,
//! and the environment each function gets. The CLI reads the outputs and the
//! runtime reads the environment, so these are a contract: change one only
//! together with its reader.

use slips::event::Lane;

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
    use slips::event::Lane;

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

/// Environment variables the functions read (the runtime's names: one source).
pub mod env {
    use slips::event::Lane;

    /// Which function the binary serves: [`Function::name`](super::Function::name).
    pub const FUNCTION: &str = slips::FUNCTION_ENV;
    /// Name of the fast lane's stream (EventPusher, Drain).
    pub const FAST_STREAM: &str = slips::env::FAST_STREAM;
    /// Name of the slow lane's stream (EventPusher, Drain).
    pub const SLOW_STREAM: &str = slips::env::SLOW_STREAM;
    /// Name of Main's function (Dispatchers).
    pub const MAIN_FUNCTION: &str = slips::env::MAIN_FUNCTION;
    /// Seconds the Dispatcher waits after each batch, the lane's `delay` (Dispatchers).
    pub const DELAY: &str = slips::env::DELAY;
    /// The Dispatcher's lane: `fast` or `slow` (Dispatchers).
    pub const LANE: &str = slips::env::LANE;
    /// Name of the error table (Reporter, Drain).
    pub const ERROR_TABLE: &str = slips::env::ERROR_TABLE;

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
    use slips::event::Lane;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    EventPusher,
    FastDispatcher,
    SlowDispatcher,
    Main,
    Reporter,
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
