use crate::cmd::Failure;
use std::process::ExitCode;
pub fn run(_args: &crate::cli::DemoArgs) -> Result<ExitCode, Failure> {
    Err(Failure::usage("not yet"))
}
