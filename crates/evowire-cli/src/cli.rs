//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cmd::shape::MAX_LEVELS;
use crate::input::Framing;

const AFTER_HELP: &str = "\
Examples:
  echo '1b 38 1c 45 56 4f 18' | evowire dump --hex
  evowire json --schema order.schema.json message.bin
  evowire json -s order.schema.json message.bin | evowire encode -s order.schema.json > copy.bin
  evowire json -s order.schema.json --frames --compact --quiet capture.bin
  evowire compat order.v1.schema.json order.v2.schema.json
  git show v1:order.schema.json | evowire compat --strict - order.schema.json
  evowire demo

Exit status: 0 on success; 1 when the answer is no (a malformed message, a message that does
not match its schema, a value encode cannot write, a breaking schema change, or a conditional
one with compat --strict); 2 for usage errors and unreadable or invalid input files.

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
    /// Read hexadecimal text instead of raw bytes: either case; whitespace, commas,
    /// brackets and `0x` ignored; `xxd` output taken as it is.
    #[arg(long)]
    pub hex: bool,
    #[command(flatten)]
    pub messages: MessageArgs,
}

/// How messages are read: how many, and how deep.
#[derive(Debug, Args)]
pub struct MessageArgs {
    /// Read messages each preceded by its length in 4 bytes, big-endian (the framing of
    /// evowire-net).
    #[arg(long, conflicts_with = "concat")]
    pub frames: bool,
    /// Read messages written back to back until the input ends. Without it (or
    /// `--frames`), the input is one message and a byte after it is an error.
    #[arg(long)]
    pub concat: bool,
    /// The deepest nesting of sequences and variants to accept (evowire's decoders accept
    /// 128 unless configured otherwise; at most 1024).
    #[arg(long, value_name = "N", default_value_t = evowire::DEFAULT_MAX_DEPTH,
          value_parser = clap::value_parser!(u32).range(1..=MAX_LEVELS as i64))]
    pub max_depth: u32,
}

impl MessageArgs {
    pub fn framing(&self) -> Framing {
        if self.frames {
            Framing::Frames
        } else if self.concat {
            Framing::Concat
        } else {
            Framing::One
        }
    }
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
    /// Read hexadecimal text instead of raw bytes (as for `dump --hex`).
    #[arg(long)]
    pub hex: bool,
    /// Print each message's JSON on one line.
    #[arg(long)]
    pub compact: bool,
    /// Print no notes (defaults used, items skipped, forms `encode` would not write back).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub messages: MessageArgs,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The schema document (JSON, written by evowire-schema).
    #[arg(long, short)]
    pub schema: PathBuf,
    /// The named type of the message; the schema's root type by default.
    #[arg(long = "type", short, value_name = "TYPE")]
    pub ty: Option<String>,
    /// The JSON: a file, or `-` (or nothing) for standard input. Several JSON values in a
    /// row are encoded as messages written back to back.
    pub input: Option<PathBuf>,
    /// Write hexadecimal text instead of raw bytes, one line per message.
    #[arg(long)]
    pub hex: bool,
    /// Write each message preceded by its length in 4 bytes, big-endian (the framing of
    /// evowire-net).
    #[arg(long)]
    pub frames: bool,
    /// The deepest nesting of sequences and variants to write: decoders refuse deeper
    /// messages (128 unless configured otherwise; at most 1024).
    #[arg(long, value_name = "N", default_value_t = evowire::DEFAULT_MAX_DEPTH,
          value_parser = clap::value_parser!(u32).range(1..=MAX_LEVELS as i64))]
    pub max_depth: u32,
}

#[derive(Debug, Args)]
pub struct CompatArgs {
    /// The schema document of the version already deployed (`-`: standard input).
    pub old: PathBuf,
    /// The schema document of the new version (`-`: standard input).
    pub new: PathBuf,
    /// When to colour the report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Also fail (exit status 1) on changes that are safe only under a condition.
    #[arg(long)]
    pub strict: bool,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The deepest nesting of types the check follows; deeper documents are refused
    /// (exit status 2) with the path where the limit was reached.
    #[arg(long, value_name = "N", default_value_t = evowire_schema::DEFAULT_MAX_DEPTH,
          value_parser = clap::value_parser!(u32).range(1..=MAX_LEVELS as i64))]
    pub max_depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs: every change with its severity and both verdicts.
    Json,
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
    /// Run the same demo over TLS 1.3, with a certificate for `localhost` generated at
    /// start: node B presents it, node A verifies it.
    #[arg(long)]
    pub tls: bool,
}
