//! `evowire`: inspect, convert and check evowire messages, and see two nodes talk.
//!
//! `main` only parses the arguments, runs the command on a thread with a large stack (the
//! schema-driven commands recurse once per level of a message, up to `--max-depth`), and
//! turns the outcome into an exit status; each subcommand lives in `cmd/`.

#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod input;

use std::process::ExitCode;

use clap::Parser;

/// The stack of the thread that runs a command: room for the deepest walk `--max-depth`
/// allows, with a wide margin. Only the pages used are ever touched.
const STACK_SIZE: usize = 256 << 20;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let outcome = std::thread::Builder::new()
        .name("evowire".into())
        .stack_size(STACK_SIZE)
        .spawn(move || cmd::run(cli.command))
        .map_err(|e| cmd::Failure::usage(format!("cannot start the command's thread: {e}")))
        .and_then(|worker| {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
    match outcome {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code())
        }
    }
}
