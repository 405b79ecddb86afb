//! The bundled `hello` example (modules/python/hello), the module author's starting point,
//! does what its docstring promises: commands, options, KV, serve, notify, health.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Daemon;

#[test]
fn hello_shows_every_feature_of_the_guide() {
    let d = Daemon::with_modules(&[&common::repo_modules()], &[]);
    d.ok(&["mgr", "module", "enable", "hello"]);
    assert!(d.wait_for(30, || d.rmgr(&["hello", "status"]).code == 0));

    // A command with an optional argument, and an option it reads.
    assert_eq!(d.ok(&["hello", "world"]), "Hello, world!\n");
    assert_eq!(
        d.ok(&["hello", "world", "--person_name", "Ceph"]),
        "Hello, Ceph!\n"
    );
    d.ok(&["config", "set", "mgr", "mgr/hello/place", "Paris"]);
    assert_eq!(d.ok(&["hello", "world"]), "Hello, Paris!\n");
    let r = d.rmgr(&["config", "set", "mgr", "mgr/hello/interval", "0"]);
    assert_eq!(
        r.stderr.trim(),
        "Error EINVAL: error parsing value: Value '0' is below minimum 1"
    );

    // The KV store, which survives a restart of the daemon.
    assert_eq!(d.ok(&["hello", "count"]), "1\n");
    assert_eq!(d.ok(&["hello", "count"]), "2\n");
    assert_eq!(d.ok(&["config-key", "get", "mgr/hello/count"]), "2\n");

    // serve() ticks; notify() sees osd_map changes; a health check follows an option.
    d.ok(&["config", "set", "mgr", "mgr/hello/interval", "1"]);
    d.ok(&["cluster", "notify", "osd_map"]);
    assert!(d.wait_for(10, || {
        let s = d.ok(&["hello", "status"]);
        s.contains("notifications: 1") && !s.contains("ticks: 0")
    }));
    d.ok(&["config", "set", "mgr", "mgr/hello/warn", "true"]);
    assert!(d.wait_for(10, || d.ok(&["health"])
        == "HEALTH_WARN hello was asked to warn\n"));
    d.ok(&["config", "set", "mgr", "mgr/hello/warn", "false"]);
    assert!(d.wait_for(10, || d.ok(&["health"]) == "HEALTH_OK\n"));

    let mut d = d;
    d.restart();
    assert!(d.wait_for(30, || d.rmgr(&["hello", "count"]).stdout == "3\n"));
}
