//! A three-node NATS cluster on loopback: three `nats-server` processes with JetStream,
//! joined by cluster routes (`--cluster_name`, `--cluster`, `--routes`), each with its own
//! client port, cluster port, server name and JetStream directory. Every node is a
//! [`Server`], so it is killed when the cluster is dropped (a failing test included) and
//! swept by the pid files otherwise.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use evowire_nats::async_nats::jetstream::stream;
use evowire_nats::Client;

use super::{free_port, start_with, unique, Server};

/// Three nodes in one cluster.
pub struct Cluster {
    pub nodes: Vec<Server>,
}

/// Starts a three-node cluster; its nodes accept client connections when this returns
/// (JetStream may still be electing its leader: see [`Cluster::create_stream`]).
pub fn cluster() -> Cluster {
    let name = unique("evowire-test-cluster-");
    // The cluster ports must be known before the first node starts, for the routes.
    let route_ports: Vec<u16> = (0..3)
        .map(|_| free_port().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let routes = route_ports
        .iter()
        .map(|p| format!("nats://127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(",");
    let nodes = route_ports
        .iter()
        .enumerate()
        .map(|(i, &route_port)| {
            start_with(|_, _| {
                [
                    "-n",
                    &format!("{name}-n{i}"),
                    "--cluster_name",
                    &name,
                    "--cluster",
                    &format!("nats://127.0.0.1:{route_port}"),
                    "--routes",
                    &routes,
                ]
                .iter()
                .map(OsString::from)
                .collect()
            })
        })
        .collect();
    Cluster { nodes }
}

impl Cluster {
    /// Every node's client URL.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Server::url).collect()
    }

    /// A client that knows all three nodes (and fails over between them).
    pub async fn client(&self) -> Client {
        let urls = self.urls();
        Client::connect(urls.as_slice())
            .await
            .unwrap_or_else(|e| panic!("connect to the test cluster at {urls:?}: {e}"))
    }

    /// Creates `config` (retrying while the cluster elects its JetStream leader and its
    /// nodes find each other, for up to 30 s).
    pub async fn create_stream(&self, client: &Client, config: stream::Config) {
        let js = client.jetstream();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match js.context().create_stream(config.clone()).await {
                Ok(_) => return,
                Err(e) => {
                    if Instant::now() > deadline {
                        let logs: Vec<String> = self.nodes.iter().map(Server::log).collect();
                        panic!(
                            "create stream {} in the cluster: {e}\n{}",
                            config.name,
                            logs.join("\n----\n")
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    }
}
