//! `Error`'s text: an error that wraps another prints it once, in an error-chain printer
//! as in `Display`.

use std::error::Error as _;
use std::io;

use evowire_net::Error;

/// What an error-chain printer (anyhow's `{:#}`, a log's cause list) shows.
fn chain(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[test]
fn io_error_text_appears_once() {
    let err = Error::from(io::Error::new(
        io::ErrorKind::ConnectionReset,
        "reset by peer",
    ));
    assert_eq!(err.to_string(), "i/o error: reset by peer");
    assert_eq!(chain(&err), "i/o error: reset by peer");
    // The inner error is still reachable, and comes back out as an `io::Error`.
    assert!(matches!(&err, Error::Io(e) if e.kind() == io::ErrorKind::ConnectionReset));
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::ConnectionReset);
}

#[test]
fn decode_error_text_appears_once() {
    let inner = evowire::from_slice::<u8>(&[]).unwrap_err();
    let inner_text = inner.to_string();
    let err = Error::Decode(inner);
    assert_eq!(
        err.to_string(),
        format!("cannot decode message: {inner_text}")
    );
    assert_eq!(chain(&err), err.to_string());
}

#[test]
fn encode_error_text_appears_once() {
    /// A value whose `Serialize` impl fails.
    struct Unencodable;
    impl serde::Serialize for Unencodable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("not today"))
        }
    }
    let err = Error::Encode(evowire::to_vec(&Unencodable).unwrap_err());
    assert_eq!(err.to_string(), "cannot encode message: not today");
    assert_eq!(chain(&err), err.to_string());
}
