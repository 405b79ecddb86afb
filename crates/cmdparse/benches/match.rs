//! Command matching over the full Pacific mon table (584 commands: mon + mgr, what the `ceph`
//! CLI matches against): `CommandTable::validate` on a mix of real command lines, the
//! compile-every-time `validate_command`, and compiling the table alone.
//! Throughput is reported in command lines (matches) per second.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rmgr_cmdparse::{parse_descriptions, validate_command, CommandTable, Validation};

const MON_TABLE: &str = include_str!("../tests/data/mon_command_descriptions.json");

/// Real command lines: accepted, invalid (wrong argument) and unknown.
const LINES: &[&str] = &[
    "status",
    "health detail",
    "osd tree",
    "osd pool create mypool 32",
    "osd pool set rbd size 3",
    "osd pool ls detail",
    "pg dump pgs_brief",
    "config set mgr mgr/dashboard/ssl false",
    "mgr module enable dashboard",
    "osd down 1 2 3",
    "fs volume create vol1",
    "osd blocklist add 1.2.3.4:0/123",
    "auth get client.admin",
    "osd pool get rbd nosuchvar",
    "osd pool frobnicate",
];

fn lines() -> Vec<Vec<String>> {
    LINES
        .iter()
        .map(|l| l.split(' ').map(str::to_string).collect())
        .collect()
}

fn bench(c: &mut Criterion) {
    let descs = parse_descriptions(MON_TABLE).expect("mon table parses");
    let table = CommandTable::new(&descs).expect("mon table compiles");
    let lines = lines();
    // Sanity: the mix is what it claims to be.
    let accepted = lines
        .iter()
        .filter(|w| matches!(table.validate(w), Validation::Command(_)))
        .count();
    assert_eq!(accepted, LINES.len() - 2);

    let mut g = c.benchmark_group("match");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("table_validate_584", |b| {
        b.iter(|| {
            for w in &lines {
                black_box(table.validate(black_box(w)));
            }
        })
    });
    g.bench_function("validate_command_584", |b| {
        b.iter(|| {
            for w in &lines {
                black_box(validate_command(black_box(&descs), black_box(w)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("compile");
    g.throughput(Throughput::Elements(descs.len() as u64));
    g.bench_function("command_table_584", |b| {
        b.iter(|| black_box(CommandTable::new(black_box(&descs))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
