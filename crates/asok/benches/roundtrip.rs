//! Extended-protocol round trips (connect, request, handler, reply, close) of a trivial
//! command against an in-process server whose handler answers at once, from 1 and 4
//! concurrent clients. Criterion reports time per op and ops/s; a second, fixed-size loop
//! prints p50/p99 latency, which criterion does not give.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rmgr_asok::{call, AsokReply, AsokRequest, AsokServer, ServeConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, watch};

const CMD: &str = r#"{"prefix":"status"}"#;
const CLIENTS: [u64; 2] = [1, 4];
const LATENCY_OPS_PER_CLIENT: usize = 4000;

struct Server {
    _dir: tempfile::TempDir,
    path: PathBuf,
    stop: watch::Sender<bool>,
}

fn start(rt: &Runtime) -> Server {
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rmgr.asok");
        let (tx, mut rx) = mpsc::channel::<AsokRequest>(64);
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                let _ = req.reply.send(AsokReply::ok("{}"));
            }
        });
        let (stop, stop_rx) = watch::channel(false);
        let server = AsokServer::bind(&path, ServeConfig::default())
            .await
            .expect("bind");
        tokio::spawn(server.run(tx, stop_rx));
        Server {
            _dir: dir,
            path,
            stop,
        }
    })
}

async fn one_call(path: &Path) {
    let reply = call(path, CMD, b"").await.expect("call");
    assert_eq!(reply.rc, 0);
}

/// Runs `total` calls spread over `clients` tasks; returns the wall time.
async fn run_calls(path: &Path, clients: u64, total: u64) -> Duration {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let path = path.to_owned();
        let n = total / clients + u64::from(i < total % clients);
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                one_call(&path).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    start.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn print_latency(rt: &Runtime, path: &Path) {
    for clients in CLIENTS {
        let (wall, mut lat) = rt.block_on(async {
            let start = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..clients {
                let path = path.to_owned();
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(LATENCY_OPS_PER_CLIENT);
                    for _ in 0..LATENCY_OPS_PER_CLIENT {
                        let t = Instant::now();
                        one_call(&path).await;
                        lat.push(t.elapsed());
                    }
                    lat
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.expect("client task"));
            }
            (start.elapsed(), all)
        });
        lat.sort();
        println!(
            "asok_roundtrip latency, {clients} client(s): {} ops in {:.3}s = {:.0} ops/s, p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            lat.len(),
            wall.as_secs_f64(),
            lat.len() as f64 / wall.as_secs_f64(),
            percentile(&lat, 0.50).as_secs_f64() * 1e6,
            percentile(&lat, 0.99).as_secs_f64() * 1e6,
            lat.last().copied().unwrap_or_default().as_secs_f64() * 1e6,
        );
    }
}

fn roundtrip(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = start(&rt);

    let mut group = c.benchmark_group("asok_roundtrip");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    for clients in CLIENTS {
        group.bench_function(format!("extended_{clients}_clients"), |b| {
            b.iter_custom(|iters| rt.block_on(run_calls(&server.path, clients, iters)));
        });
    }
    group.finish();

    print_latency(&rt, &server.path);
    let _ = server.stop.send(true);
}

criterion_group!(benches, roundtrip);
criterion_main!(benches);
