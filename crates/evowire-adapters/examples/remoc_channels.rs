//! remoc channels across TCP with evowire as the codec: the client sends the server the
//! receiving half of an mpsc channel and the sending half of a oneshot.
//!
//! ```text
//! cargo run -p evowire-adapters --features remoc --example remoc_channels
//! ```

use evowire_adapters::remoc::Evowire;
use remoc::rch;
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};

/// The first message on the connection.
#[derive(Serialize, Deserialize, Debug)]
struct Job {
    lines: rch::mpsc::Receiver<String, Evowire>,
    words: rch::oneshot::Sender<usize, Evowire>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

type Connected<Tx, Rx> = (
    rch::base::Sender<Tx, Evowire>,
    rch::base::Receiver<Rx, Evowire>,
);

/// Runs remoc over a TCP stream with evowire as the base channel's codec.
async fn connect<Tx: remoc::RemoteSend, Rx: remoc::RemoteSend>(
    socket: TcpStream,
) -> Result<Connected<Tx, Rx>, Error> {
    let (read, write) = socket.into_split();
    let (conn, tx, rx) = remoc::Connect::io(remoc::Cfg::default(), read, write).await?;
    tokio::spawn(conn);
    Ok((tx, rx))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await?;
        let (_tx, mut rx) = connect::<(), Job>(socket).await?;
        if let Some(mut job) = rx.recv().await? {
            let mut words = 0;
            while let Some(line) = job.lines.recv().await? {
                words += line.split_whitespace().count();
            }
            job.words.send(words)?;
        }
        Ok::<_, Error>(())
    });

    let (mut tx, _rx) = connect::<Job, ()>(TcpStream::connect(addr).await?).await?;
    let (lines, lines_rx) = rch::mpsc::channel();
    let (words_tx, words) = rch::oneshot::channel();
    tx.send(Job {
        lines: lines_rx,
        words: words_tx,
    })
    .await?;
    for line in ["evowire keeps", "old and new peers", "talking"] {
        lines.send(line.to_string()).await?;
    }
    drop(lines);
    println!("{} words counted by the server", words.await?);
    Ok(())
}
