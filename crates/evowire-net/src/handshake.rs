//! The connection handshake (`docs/PROTOCOL.md` §3).
//!
//! The client writes the 8-byte preamble (`EVOW`, protocol version, three zero bytes) and a
//! `Hello` frame; the server checks them and answers with its own preamble and a
//! `Welcome` or `Refuse` frame. The preamble and the reply frame keep this layout in every
//! protocol version, so a server can always tell a client why it is refused.
//!
//! Each side's authorization hook sees the peer's protocol (and, through the caller, its
//! TLS identity). A server whose hook refuses answers `Refuse` with the hook's reason; a
//! client whose hook refuses the server sends an error frame with request id 0 (§4), as a
//! side that ends a connection for cause does, and closes.

use bytes::{Buf, BytesMut};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::frame::{encode_frame, id_header, take_frame, TAG_ERROR};
use crate::options::{Options, Protocol};

/// How a client's refusal notice starts: a client that refuses the server after its
/// welcome sends one error frame with id 0 and this text before the reason (PROTOCOL.md
/// §3.6); the server's reader turns it into [`Error::Refused`].
pub(crate) const CLIENT_REFUSAL: &str = "refused by the client: ";

/// The four bytes every connection starts with, in both directions.
pub const MAGIC: [u8; 4] = *b"EVOW";

/// The version of this wire protocol (framing, envelope and handshake, with the evowire
/// format 1 for all payloads). Peers must speak the same version.
pub const PROTOCOL_VERSION: u8 = 1;

/// Bytes of the preamble: magic, version, three reserved zero bytes.
const PREAMBLE_LEN: usize = 8;

/// The largest handshake frame accepted: handshakes are tiny, and an unknown peer must not
/// make us buffer megabytes before it has proven it speaks the protocol.
const HANDSHAKE_MAX_FRAME: usize = 64 * 1024;

/// How long a refusing server waits for the refused peer to hang up.
const LINGER: std::time::Duration = std::time::Duration::from_secs(1);

fn preamble() -> [u8; PREAMBLE_LEN] {
    let mut p = [0u8; PREAMBLE_LEN];
    p[..4].copy_from_slice(&MAGIC);
    p[4] = PROTOCOL_VERSION;
    p
}

/// The first bytes of a TLS record: a handshake (client hello) or an alert, then the
/// major version 3.
const TLS_RECORD_STARTS: [[u8; 2]; 2] = [[0x16, 0x03], [0x15, 0x03]];

/// The authorization hook as the handshake sees it: the peer's protocol in, a refusal
/// reason out.
pub(crate) type Check<'a> = &'a (dyn Fn(&Protocol) -> std::result::Result<(), String> + Sync);

/// What a side announces: its application protocol and the largest frame it accepts.
/// Later protocol versions may add fields at the back (with defaults).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Hello {
    app: String,
    major: u32,
    minor: u32,
    max_frame_length: u32,
}

impl Hello {
    fn from_options(opts: &Options) -> Hello {
        Hello {
            app: opts.protocol.name().to_owned(),
            major: opts.protocol.major(),
            minor: opts.protocol.minor(),
            max_frame_length: opts.max_frame_length.min(u32::MAX as usize) as u32,
        }
    }

    fn protocol(&self) -> Protocol {
        Protocol::new(self.app.clone(), self.major, self.minor)
    }
}

/// The server's answer.
#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    Welcome(Hello),
    Refuse(String),
}

/// What the handshake learnt, and the bytes read past it.
#[derive(Debug)]
pub(crate) struct Handshaken {
    pub(crate) peer: Protocol,
    pub(crate) peer_max_frame: usize,
    pub(crate) leftover: BytesMut,
}

fn handshake_error(reason: impl Into<String>) -> Error {
    Error::Handshake {
        reason: reason.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads more bytes into `buf`; the peer closing is a handshake error.
async fn fill<T: AsyncRead + Unpin>(io: &mut T, buf: &mut BytesMut, what: &str) -> Result<()> {
    buf.reserve(512);
    if io.read_buf(buf).await? == 0 {
        return Err(handshake_error(format!(
            "the peer closed the connection while this side waited for {what}"
        )));
    }
    Ok(())
}

/// Reads and checks the peer's preamble; returns the peer's protocol version.
async fn read_preamble<T: AsyncRead + Unpin>(io: &mut T, buf: &mut BytesMut) -> Result<u8> {
    loop {
        let n = buf.len().min(MAGIC.len());
        if let Some(start) = buf.get(..2) {
            if TLS_RECORD_STARTS.iter().any(|tls| tls == start) {
                return Err(handshake_error(format!(
                    "the peer speaks TLS (it sent a TLS record, {}) but this side expects \
                     plaintext evowire-net: configure TLS on both sides or on neither",
                    hex(start)
                )));
            }
        }
        if buf[..n] != MAGIC[..n] {
            return Err(handshake_error(format!(
                "the peer does not speak evowire-net: it sent {} where {} (\"EVOW\") was expected",
                hex(&buf[..n]),
                hex(&MAGIC)
            )));
        }
        if buf.len() >= PREAMBLE_LEN {
            let version = buf[4];
            buf.advance(PREAMBLE_LEN);
            return Ok(version);
        }
        fill(io, buf, "the preamble").await?;
    }
}

/// Reads one handshake frame and decodes it.
async fn read_frame<T, M>(io: &mut T, buf: &mut BytesMut, what: &str) -> Result<M>
where
    T: AsyncRead + Unpin,
    M: serde::de::DeserializeOwned,
{
    loop {
        let frame = take_frame(buf, HANDSHAKE_MAX_FRAME).map_err(|e| {
            handshake_error(format!(
                "the peer's {what} is not a valid handshake frame: {e}"
            ))
        })?;
        if let Some(frame) = frame {
            return evowire::from_slice(&frame)
                .map_err(|e| handshake_error(format!("cannot decode the peer's {what}: {e}")));
        }
        fill(io, buf, what).await?;
    }
}

fn check_compatible(ours: &Protocol, theirs: &Protocol) -> std::result::Result<(), String> {
    if ours.is_compatible_with(theirs) {
        Ok(())
    } else {
        Err(format!(
            "application protocol mismatch: this side speaks {ours}, the peer {theirs} \
             (names and major versions must be equal)"
        ))
    }
}

/// Runs the client side of the handshake on `io`.
pub(crate) async fn client<T>(
    io: &mut T,
    opts: &Options,
    authorize: Check<'_>,
) -> Result<Handshaken>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut out = BytesMut::with_capacity(64);
    out.extend_from_slice(&preamble());
    encode_frame(
        &mut out,
        HANDSHAKE_MAX_FRAME,
        &[],
        &Hello::from_options(opts),
    )?;
    io.write_all(&out).await?;
    io.flush().await?;

    let mut buf = BytesMut::with_capacity(512);
    let version = read_preamble(io, &mut buf).await?;
    let reply: Reply = read_frame(io, &mut buf, "handshake reply").await?;
    match reply {
        Reply::Refuse(reason) => Err(Error::Refused { reason }),
        Reply::Welcome(_) if version != PROTOCOL_VERSION => Err(handshake_error(format!(
            "protocol version mismatch: this side speaks {PROTOCOL_VERSION}, the peer {version}"
        ))),
        Reply::Welcome(hello) => {
            let peer = hello.protocol();
            check_compatible(&opts.protocol, &peer).map_err(handshake_error)?;
            if let Err(reason) = authorize(&peer) {
                // Tell the server why, as a fatal error frame (id 0), then hang up.
                let mut out = BytesMut::with_capacity(64 + reason.len());
                let (h, n) = id_header(TAG_ERROR, 0);
                let notice = format!("{CLIENT_REFUSAL}{reason}");
                encode_frame(&mut out, HANDSHAKE_MAX_FRAME, &h[..n], notice.as_str())?;
                io.write_all(&out).await?;
                io.flush().await?;
                let _ = io.shutdown().await;
                return Err(handshake_error(format!("refused the peer: {reason}")));
            }
            Ok(Handshaken {
                peer,
                peer_max_frame: hello.max_frame_length.max(1) as usize,
                leftover: buf,
            })
        }
    }
}

/// Runs the server side of the handshake on `io`: refuses incompatible peers (telling them
/// why) and returns an error describing the refusal.
pub(crate) async fn server<T>(
    io: &mut T,
    opts: &Options,
    authorize: Check<'_>,
) -> Result<Handshaken>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = BytesMut::with_capacity(512);
    let version = read_preamble(io, &mut buf).await?;
    let refusal = if version != PROTOCOL_VERSION {
        Err(format!(
            "protocol version mismatch: this side speaks {PROTOCOL_VERSION}, the peer {version}"
        ))
    } else {
        let hello: Hello = read_frame(io, &mut buf, "hello").await?;
        let peer = hello.protocol();
        check_compatible(&opts.protocol, &peer)
            .and_then(|()| authorize(&peer))
            .map(|()| (peer, hello.max_frame_length))
    };
    let mut out = BytesMut::with_capacity(64);
    out.extend_from_slice(&preamble());
    let reply = match &refusal {
        Ok(_) => Reply::Welcome(Hello::from_options(opts)),
        Err(reason) => Reply::Refuse(reason.clone()),
    };
    encode_frame(&mut out, HANDSHAKE_MAX_FRAME, &[], &reply)?;
    io.write_all(&out).await?;
    io.flush().await?;
    match refusal {
        Ok((peer, max)) => Ok(Handshaken {
            peer,
            peer_max_frame: max.max(1) as usize,
            leftover: buf,
        }),
        Err(reason) => {
            // Let the refusal reach the peer before the transport is dropped: end our side,
            // then read (and drop) what the peer still sends until it hangs up, so that
            // unread input does not make the kernel reset the connection.
            let _ = io.shutdown().await;
            let _ = tokio::time::timeout(LINGER, async {
                let mut sink = [0u8; 1024];
                let mut total = 0usize;
                while total < HANDSHAKE_MAX_FRAME {
                    match io.read(&mut sink).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => total += n,
                    }
                }
            })
            .await;
            Err(handshake_error(format!("refused the peer: {reason}")))
        }
    }
}
