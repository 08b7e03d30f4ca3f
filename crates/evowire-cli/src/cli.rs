//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  echo '1b 38 1c 45 56 4f 18' | evowire dump --hex
  evowire json --schema order.schema.json message.bin
  evowire json -s order.schema.json message.bin | evowire encode -s order.schema.json > copy.bin
  evowire compat order.v1.schema.json order.v2.schema.json
  evowire demo

Exit status: 0 on success; 1 when the answer is no (a malformed message, a message that does
not match its schema, a breaking schema change); 2 for usage errors and unreadable or invalid
input files.

Schema documents are written by the evowire-schema library: `Schema::trace::<T>()?.to_json()`.";

/// Inspect, convert and check evowire messages, and see two nodes talk.
#[derive(Debug, Parser)]
#[command(name = "evowire", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print any message as a tree of items (wire type, offset, value), without a schema.
    Dump(DumpArgs),
    /// Decode a message into JSON, with field and variant names from a schema.
    Json(JsonArgs),
    /// Encode JSON into a message, following a schema.
    Encode(EncodeArgs),
    /// Check whether a new schema can read and be read by an old one.
    Compat(CompatArgs),
    /// Start two nodes on loopback that exchange v1 and v2 messages, and measure throughput.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The message: a file, or `-` (or nothing) for standard input.
    pub input: Option<PathBuf>,
    /// Read hexadecimal text (either case, whitespace ignored) instead of raw bytes.
    #[arg(long)]
    pub hex: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    /// The schema document (JSON, written by evowire-schema).
    #[arg(long, short)]
    pub schema: PathBuf,
    /// The named type of the message; the schema's root type by default.
    #[arg(long = "type", short, value_name = "TYPE")]
    pub ty: Option<String>,
    /// The message: a file, or `-` (or nothing) for standard input.
    pub input: Option<PathBuf>,
    /// Read hexadecimal text (either case, whitespace ignored) instead of raw bytes.
    #[arg(long)]
    pub hex: bool,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The schema document (JSON, written by evowire-schema).
    #[arg(long, short)]
    pub schema: PathBuf,
    /// The named type of the message; the schema's root type by default.
    #[arg(long = "type", short, value_name = "TYPE")]
    pub ty: Option<String>,
    /// The JSON value: a file, or `-` (or nothing) for standard input.
    pub input: Option<PathBuf>,
    /// Write hexadecimal text instead of raw bytes.
    #[arg(long)]
    pub hex: bool,
}

#[derive(Debug, Args)]
pub struct CompatArgs {
    /// The schema document of the version already deployed.
    pub old: PathBuf,
    /// The schema document of the new version.
    pub new: PathBuf,
    /// When to colour the report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many pushes to time for the throughput figure (each timed phase also stops
    /// after 5 seconds).
    #[arg(long, default_value_t = 200_000)]
    pub messages: u32,
    /// How many request/response calls to time.
    #[arg(long, default_value_t = 20_000)]
    pub calls: u32,
}
