//! A Lambda Runtime API on loopback, serving invocations to the real handler
//! binary started with exactly the environment the rendered template gives a
//! function (its intrinsics resolved to the test's physical names) plus the
//! variables Lambda itself sets.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;

/// What an invocation ended with.
#[derive(Debug)]
pub enum Outcome {
    Response(Value),
    Error(Value),
}

/// One function served by one handler process.
pub struct Function {
    process: Child,
    invocations: mpsc::Sender<(Value, mpsc::Sender<Outcome>)>,
    _server: thread::JoinHandle<()>,
    /// What the function wrote on stdout (Lambda's log stream), line by line.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

const PREFIX: &str = "/2018-06-01/runtime";

/// The environment of `logical_id` in `template`, `Ref`s replaced from `physical`.
pub fn template_environment(
    template: &Value,
    logical_id: &str,
    physical: &HashMap<&str, String>,
) -> HashMap<String, String> {
    let variables = &template["Resources"][logical_id]["Properties"]["Environment"]["Variables"];
    let object = variables
        .as_object()
        .unwrap_or_else(|| panic!("{logical_id} has no environment in the template"));
    object
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Object(intrinsic) => match intrinsic.get("Ref").and_then(Value::as_str) {
                    Some(id) => physical
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| panic!("no physical name for Ref {id}")),
                    None => panic!("{logical_id}.{name}: unresolvable intrinsic {value}"),
                },
                other => other.to_string(),
            };
            (name.clone(), value)
        })
        .collect()
}

impl Function {
    /// Starts `binary` as Lambda would, with `environment` and the code
    /// directory `task_root` (which holds slips.json).
    pub fn start(
        binary: &Path,
        name: &str,
        task_root: &Path,
        environment: &HashMap<String, String>,
    ) -> Function {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
        let address = server.server_addr().to_ip().expect("an IP address");
        let (invocations, queue) = mpsc::channel::<(Value, mpsc::Sender<Outcome>)>();
        let server = thread::spawn(move || serve(server, queue));
        let process = Command::new(binary)
            .envs(environment)
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/22/[$LATEST]test")
            .env("LAMBDA_TASK_ROOT", task_root)
            .env("_HANDLER", "bootstrap")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the handler binary");
        let mut process = process;
        let stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
        if let Some(pipe) = process.stdout.take() {
            let lines = stdout.clone();
            thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    eprintln!("{line}");
                    if let Ok(mut lines) = lines.lock() {
                        lines.push(line);
                    }
                }
            });
        }
        Function {
            process,
            invocations,
            _server: server,
            stdout,
        }
    }

    /// The JSON lines the function wrote on stdout so far.
    pub fn json_lines(&self) -> Vec<Value> {
        let lines = self.stdout.lock().map(|l| l.clone()).unwrap_or_default();
        lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Invokes the function once and waits for its outcome.
    pub fn invoke(&self, payload: Value) -> Outcome {
        let (tx, rx) = mpsc::channel();
        self.invocations
            .send((payload, tx))
            .expect("the server is running");
        rx.recv_timeout(Duration::from_secs(60))
            .expect("an outcome within 60 s")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn serve(server: tiny_http::Server, queue: mpsc::Receiver<(Value, mpsc::Sender<Outcome>)>) {
    let mut waiting: HashMap<String, mpsc::Sender<Outcome>> = HashMap::new();
    let mut next_id = 0u64;
    for mut request in server.incoming_requests() {
        let url = request.url().to_string();
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let json = || serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body.clone()));
        if url == format!("{PREFIX}/invocation/next") {
            // Long poll: wait for the test's next invocation.
            let Ok((payload, reply)) = queue.recv() else {
                return;
            };
            next_id += 1;
            let id = format!("req-{next_id}");
            waiting.insert(id.clone(), reply);
            let deadline = std::time::SystemTime::now() + Duration::from_secs(300);
            let deadline_ms = deadline
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let header = |name: &str, value: &str| {
                tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("header")
            };
            let response = tiny_http::Response::from_string(payload.to_string())
                .with_header(header("Lambda-Runtime-Aws-Request-Id", &id))
                .with_header(header(
                    "Lambda-Runtime-Deadline-Ms",
                    &deadline_ms.to_string(),
                ))
                .with_header(header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:test",
                ))
                .with_header(header(
                    "Lambda-Runtime-Trace-Id",
                    "Root=1-00000000-000000000000000000000000",
                ))
                .with_header(header("Content-Type", "application/json"));
            let _ = request.respond(response);
        } else if let Some(rest) = url.strip_prefix(&format!("{PREFIX}/invocation/")) {
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let outcome = if kind == "response" {
                Outcome::Response(json())
            } else {
                Outcome::Error(json())
            };
            if let Some(reply) = waiting.remove(id) {
                let _ = reply.send(outcome);
            }
            let _ = request.respond(tiny_http::Response::empty(202));
        } else if url == format!("{PREFIX}/init/error") {
            panic!("the function failed to initialise: {}", json());
        } else {
            let _ = request.respond(tiny_http::Response::empty(404));
        }
    }
}
