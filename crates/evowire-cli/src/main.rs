//! `evowire`: inspect, convert and check evowire messages, and see two nodes talk.
//!
//! `main` only parses the arguments and turns the outcome into an exit status; each
//! subcommand lives in `cmd/`.

#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod input;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code())
        }
    }
}
