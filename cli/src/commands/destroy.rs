//! `slips destroy`: deletes the stack and waits until it is gone. Asks first
//! unless `--yes`. What the stack created to hold data (error table, lane
//! streams, failure queue) is kept or deleted as `backend.on_delete` says.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use slips::config::OnDelete;

use crate::change_set;
use crate::commands::package;
use crate::stack_events::{Progress, Watch};

/// Options of `slips destroy`.
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// Delete without asking (required when stdin is not a terminal).
    #[arg(long, short)]
    yes: bool,
}

pub fn run(args: DestroyArgs) -> anyhow::Result<ExitCode> {
    let Some(loaded) = package::load(&args.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let config = loaded.config;
    let stack = config.stack_name.as_str();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sdk = slips::aws::connect().await?;
        let region = sdk.region().map_or("?".to_string(), |r| r.to_string());
        let cloudformation = aws_sdk_cloudformation::Client::new(&sdk);
        let Some(state) = change_set::existing(&cloudformation, stack).await? else {
            println!("stack {stack} does not exist in {region}: nothing to delete");
            return Ok(ExitCode::SUCCESS);
        };
        if !args.yes {
            let data = match config.backend.on_delete {
                OnDelete::Retain => {
                    "the error table, lane streams and failure queue it created are kept \
                     (backend.on_delete: retain)"
                }
                OnDelete::Delete => {
                    "the error table, lane streams and failure queue it created are deleted WITH \
                     THEIR DATA (backend.on_delete: delete)"
                }
            };
            if !confirm(stack, &region, data)? {
                eprintln!("not deleted");
                return Ok(ExitCode::FAILURE);
            }
        }
        let watch = Watch::start(&cloudformation, &state.id).await?;
        cloudformation
            .delete_stack()
            .stack_name(&state.id)
            .send()
            .await
            .map_err(slips::aws::sdk_error)
            .with_context(|| format!("deleting stack {stack}"))?;
        let mut progress = Progress::new("deleting", stack, None);
        let outcome = watch.until_done(&mut progress).await?;
        if !outcome.succeeded() {
            let mut message = format!("deleting stack {stack} failed: it is {}", outcome.status);
            for failure in outcome.failures() {
                message.push_str(&format!("\n  {failure}"));
            }
            message.push_str("\nfix the cause, then run `slips destroy` again");
            bail!(message);
        }
        println!("stack {stack} deleted in {} s", progress.elapsed_secs());
        for kept in outcome.kept() {
            println!("  kept {} ({})", kept.logical_id, kept.resource_type);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Asks the operator to type the stack's name; `false` when they do not.
fn confirm(stack: &str, region: &str, data: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "not deleting stack {stack}: standard input is not a terminal, so nobody can confirm; \
             pass --yes to delete it"
        );
    }
    let mut stderr = std::io::stderr().lock();
    write!(
        stderr,
        "This deletes stack {stack} in {region}: its functions, roles, topics and subscriptions; \
         {data}.\nType the stack name to delete it: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(answer.trim() == stack)
}
