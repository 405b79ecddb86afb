//! Benchmarks of the store's hot paths: a durable `kv_set` (one fsynced commit), `kv_get`,
//! `config_get`, and a prefix listing, on a file in the target directory; plus `kv_set` in
//! memory, to separate the commit's fsync from the rest of the work.

// Bench code: a panic is a failed run.
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rmgr_store::Store;

const KEYS: usize = 1000;

fn seeded(store: &Store) {
    for i in 0..KEYS {
        store
            .kv_set(&format!("mgr/bench/{i:04}"), &[i as u8; 64])
            .unwrap();
    }
    for i in 0..100 {
        store
            .config_set("mgr", &format!("mgr/bench/opt{i}"), "value")
            .unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(&dir.path().join("bench.redb")).unwrap();
    seeded(&store);
    let memory = Store::open_in_memory().unwrap();
    seeded(&memory);

    let mut group = c.benchmark_group("kv_set");
    for size in [64usize, 4096] {
        let value = vec![0xA5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        let mut i = 0usize;
        group.bench_with_input(BenchmarkId::new("durable", size), &value, |b, value| {
            b.iter(|| {
                i = (i + 1) % KEYS;
                store.kv_set(&format!("mgr/bench/{i:04}"), value).unwrap();
            })
        });
        group.bench_with_input(BenchmarkId::new("in_memory", size), &value, |b, value| {
            b.iter(|| {
                i = (i + 1) % KEYS;
                memory.kv_set(&format!("mgr/bench/{i:04}"), value).unwrap();
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read");
    let mut i = 0usize;
    group.bench_function("kv_get_hit", |b| {
        b.iter(|| {
            i = (i + 7) % KEYS;
            store.kv_get(&format!("mgr/bench/{i:04}")).unwrap().unwrap()
        })
    });
    group.bench_function("kv_get_miss", |b| {
        b.iter(|| store.kv_get("mgr/bench/none").unwrap())
    });
    group.bench_function("config_get", |b| {
        b.iter(|| store.config_get("mgr", "mgr/bench/opt42").unwrap().unwrap())
    });
    group.bench_function("kv_list_100", |b| {
        b.iter(|| {
            let keys = store.kv_list("mgr/bench/00").unwrap();
            assert_eq!(keys.len(), 100);
            keys
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
